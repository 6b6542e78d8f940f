using System.Net.Http.Headers;
using HikFleet.Isapi.Http;
using HikFleet.Isapi.Models;

namespace HikFleet.Isapi;

/// <summary>How a firmware image is put in the request body (§2.7).</summary>
public enum FirmwareUploadFormat
{
    /// <summary>The <c>.dav</c> image as <c>application/octet-stream</c>.</summary>
    Raw,
    /// <summary><c>multipart/form-data</c> with the file in field <c>updateFile</c>.</summary>
    Multipart,
}

public sealed partial class IsapiClient
{
    /// <summary>
    /// <c>GET /ISAPI/System/configurationData</c> streamed into <paramref name="destination"/> (never buffered), bounded by
    /// <see cref="IsapiOptions.MaxConfigurationBytes"/>. The blob is opaque, encrypted and device-bound (§2.6).
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    public Task<long> ExportConfigurationAsync(Stream destination, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        const string path = "/ISAPI/System/configurationData";
        return ExecuteAsync(NewRequest(HttpMethod.Get, path), false, _options.TransferTimeout, async (response, scope) =>
        {
            var mediaType = MediaTypes.Of(response.Content);
            if (!response.IsSuccessStatusCode || (mediaType?.Contains("xml", StringComparison.OrdinalIgnoreCase) ?? false))
            {
                var (buffer, length) = await ReadBoundedAsync(response, _options.MaxXmlBytes, scope);
                var root = InterpretXml(response, buffer, length, path);
                throw new IsapiException(IsapiErrorKind.MalformedAnswer, $"{path}: expected the configuration file, got XML <{root.Name.LocalName}>.")
                { RequestPath = path, HttpStatus = response.StatusCode };
            }
            if (response.Content.Headers.ContentLength > _options.MaxConfigurationBytes)
                throw new IsapiException(IsapiErrorKind.MalformedAnswer, $"{path}: the export declares more than {_options.MaxConfigurationBytes} bytes.") { RequestPath = path };
            await using var stream = await response.Content.ReadAsStreamAsync(scope.Token);
            var chunk = new byte[64 * 1024];
            long total = 0;
            int read;
            while ((read = await ReadIdleAsync(stream, chunk, scope, path)) > 0)
            {
                total += read;
                if (total > _options.MaxConfigurationBytes)
                    throw new IsapiException(IsapiErrorKind.MalformedAnswer, $"{path}: the export exceeds {_options.MaxConfigurationBytes} bytes.") { RequestPath = path };
                await destination.WriteAsync(chunk.AsMemory(0, read), scope.Token);
                progress?.Report(total);
            }
            if (total == 0) throw new IsapiException(IsapiErrorKind.MalformedAnswer, $"{path}: empty configuration export.") { RequestPath = path };
            return total;
        }, cancellationToken);
    }

    /// <summary>
    /// <c>PUT /ISAPI/System/configurationData</c> streaming <paramref name="source"/> (§2.6). The device applies the file and
    /// usually reboots; when it answers <see cref="IsapiResult.RebootRequired"/> the caller reboots it.
    /// </summary>
    public async Task<IsapiResult> ImportConfigurationAsync(Stream source, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        var content = new ProgressStreamContent(source, progress);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        const string path = "/ISAPI/System/configurationData";
        var result = await ExecuteAsync(NewRequest(HttpMethod.Put, path, content), false, _options.TransferTimeout,
            (response, scope) => ReadStatusAsync(response, path, scope), cancellationToken);
        ResetAuthentication();
        return result;
    }

    /// <summary>
    /// Uploads a firmware image (<c>PUT /ISAPI/System/updateFirmware</c>, §2.7), streamed with byte progress. Wrong
    /// packages come back as <see cref="IsapiErrorKind.BadRequest"/> with <c>badDevType</c>/<c>badVersion</c>/<c>badLanguage</c>.
    /// Poll <see cref="GetUpgradeStatusAsync"/> afterwards; the device reboots when done.
    /// </summary>
    public Task<IsapiResult> UploadFirmwareAsync(Stream image, IProgress<long>? progress = null,
        FirmwareUploadFormat format = FirmwareUploadFormat.Raw, CancellationToken cancellationToken = default)
    {
        const string path = "/ISAPI/System/updateFirmware";
        var file = new ProgressStreamContent(image, progress);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        HttpContent content = file;
        if (format == FirmwareUploadFormat.Multipart)
        {
            var form = new MultipartFormDataContent();
            form.Add(file, "updateFile", "digicap.dav");
            content = form;
        }
        return ExecuteAsync(NewRequest(HttpMethod.Put, path, content), false, _options.TransferTimeout,
            (response, scope) => ReadStatusAsync(response, path, scope), cancellationToken);
    }

    /// <summary><c>GET /ISAPI/System/upgradeStatus</c> (§2.7).</summary>
    public async Task<UpgradeStatus> GetUpgradeStatusAsync(CancellationToken cancellationToken = default) =>
        UpgradeStatus.FromXml(await GetXmlAsync("/ISAPI/System/upgradeStatus", cancellationToken));
}
