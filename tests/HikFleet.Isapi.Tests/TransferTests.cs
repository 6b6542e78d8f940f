using System.Collections.Concurrent;
using HikFleet.Isapi.Tests.Support;
using HikFleet.Simulator;

namespace HikFleet.Isapi.Tests;

/// <summary>Streamed configuration export/import and firmware upload with progress (§2.6, §2.7).</summary>
public sealed class TransferTests(SimulatorFixture sim)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Recorder : IProgress<long>
    {
        public ConcurrentQueue<long> Values { get; } = new();
        public void Report(long value) => Values.Enqueue(value);
    }

    [Fact]
    public async Task ConfigurationExport_FullReset_Activate_Import_RestoresSettings()
    {
        var device = sim.AddCamera();
        using var client = sim.Client(device);
        await client.SetOsdNameAsync("Warehouse 3", 1, Ct);
        await client.SetCloudAccessAsync(false, Ct);

        using var backup = new MemoryStream();
        var progress = new Recorder();
        var bytes = await client.ExportConfigurationAsync(backup, progress, Ct);
        Assert.True(bytes > 0);
        Assert.Equal(bytes, backup.Length);
        Assert.Equal(bytes, progress.Values.Last());

        await client.FactoryResetAsync(FactoryResetMode.Full, Ct);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((device.Activated || !device.Online) && DateTime.UtcNow < deadline) await Task.Delay(20, Ct);
        Assert.NotEqual("Warehouse 3", device.OsdName);

        using var fresh = sim.Client(device, password: null);
        var password = Security.PasswordRules.Generate();
        await fresh.ActivateAsync(password, Ct);
        backup.Position = 0;
        var upload = new Recorder();
        var result = await fresh.ImportConfigurationAsync(backup, upload, Ct);
        if (result.RebootRequired) await fresh.RebootAsync(Ct);

        deadline = DateTime.UtcNow.AddSeconds(10);
        while (device.OsdName != "Warehouse 3" && DateTime.UtcNow < deadline) await Task.Delay(20, Ct);
        Assert.Equal("Warehouse 3", device.OsdName);
        Assert.Equal(bytes, upload.Values.Last());
    }

    [Fact]
    public async Task ConfigurationImport_OfAnotherDevicesFile_IsRefused()
    {
        var a = sim.AddCamera();
        var b = sim.AddCamera();
        using var clientA = sim.Client(a);
        using var clientB = sim.Client(b);
        using var backup = new MemoryStream();
        await clientA.ExportConfigurationAsync(backup, null, Ct);
        backup.Position = 0;

        var ex = await Assert.ThrowsAsync<IsapiException>(() => clientB.ImportConfigurationAsync(backup, null, Ct));

        Assert.Equal(IsapiErrorKind.BadRequest, ex.Kind);
        Assert.Equal(6, ex.StatusCode);
    }

    [Theory]
    [InlineData(FirmwareUploadFormat.Raw)]
    [InlineData(FirmwareUploadFormat.Multipart)]
    public async Task FirmwareUpload_ReportsProgress_UpgradeRuns_DeviceComesBackOnTheNewVersion(FirmwareUploadFormat format)
    {
        var device = sim.AddCamera(DeviceCatalog.Turret4K.Model);
        using var client = sim.Client(device);
        var image = Simulator.FirmwareImage.Create(device.ModelInfo.Platform, "V5.8.0", "build 250101", 1024 * 1024);
        var progress = new Recorder();

        var result = await client.UploadFirmwareAsync(new MemoryStream(image), progress, format, Ct);

        Assert.Equal(1, result.StatusCode);
        var sent = progress.Values.ToArray();
        Assert.True(sent.Length >= 4, $"only {sent.Length} progress reports");
        Assert.Equal(image.Length, sent[^1]);
        Assert.True(sent.Zip(sent.Skip(1)).All(p => p.First < p.Second), "progress must rise");

        var percents = new List<int>();
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (device.FirmwareVersion != "V5.8.0" && DateTime.UtcNow < deadline)
        {
            try
            {
                var status = await client.GetUpgradeStatusAsync(Ct);
                if (status.Upgrading && status.Percent is { } p) percents.Add(p);
            }
            catch (IsapiException ex) when (ex.IsTransient) { }
            await Task.Delay(5, Ct);
        }
        Assert.Equal("V5.8.0", device.FirmwareVersion);
        Assert.NotEmpty(percents);
        Assert.True(percents.Zip(percents.Skip(1)).All(p => p.First <= p.Second), string.Join(",", percents));

        var info = await SystemOperationTests.RetryAsync(() => client.GetDeviceInfoAsync(Ct));
        Assert.Equal(new Models.FirmwareVersion(5, 8, 0, 250101), info.Firmware);
    }

    [Fact]
    public async Task FirmwareForAnotherModel_IsBadDevType()
    {
        var device = sim.AddCamera(DeviceCatalog.Turret4K.Model);
        using var client = sim.Client(device);
        var image = Simulator.FirmwareImage.Create(DeviceCatalog.Nvr8P.Platform, "V4.70.0", "build 250101", 64 * 1024);

        var ex = await Assert.ThrowsAsync<IsapiException>(() => client.UploadFirmwareAsync(new MemoryStream(image), null, FirmwareUploadFormat.Raw, Ct));

        Assert.Equal(IsapiErrorKind.BadRequest, ex.Kind);
        Assert.Equal("badDevType", ex.SubStatusCode);
        Assert.Equal(device.ModelInfo.FirmwareVersion, device.FirmwareVersion);
    }

    [Fact]
    public async Task FirmwareUpload_AsFirstRequest_SendsTheBodyOnceAuthorised()
    {
        // No nonce yet: the client learns the challenge with a tiny GET instead of streaming the image twice.
        var device = sim.AddCamera(DeviceCatalog.Turret4K.Model);
        using var client = sim.Client(device);
        var image = Simulator.FirmwareImage.Create(device.ModelInfo.Platform, "V5.8.1", "build 250201", 512 * 1024);
        var progress = new Recorder();

        await client.UploadFirmwareAsync(new NonSeekable(image), progress, FirmwareUploadFormat.Raw, Ct);

        Assert.Equal(2, client.RequestsSent);
        Assert.Equal(image.Length, progress.Values.Last());
    }

    private sealed class NonSeekable(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
