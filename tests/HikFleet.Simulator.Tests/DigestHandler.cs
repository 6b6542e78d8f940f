using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace HikFleet.Simulator.Tests;

/// <summary>
/// A small RFC 2617 digest client for the tests (MD5, qop=auth, nc counting, one retry on stale="TRUE"), written from §1.2 so the
/// simulator is checked against the protocol rather than against itself.
/// </summary>
internal sealed class DigestHandler(string user, string password) : DelegatingHandler(new SocketsHttpHandler
{
    PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
})
{
    private string? _realm, _nonce, _qop;
    private int _nc;

    public string Password { get; set; } = password;
    public int StaleRetries { get; private set; }
    public List<string> Challenges { get; } = [];

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(ct);
        var contentHeaders = request.Content?.Headers.ToList();
        if (_nonce is not null)
            Authorize(request);
        var response = await base.SendAsync(request, ct);
        var current = request;
        for (var attempt = 0; attempt < 2 && response.StatusCode == HttpStatusCode.Unauthorized; attempt++)
        {
            var challenge = response.Headers.WwwAuthenticate.FirstOrDefault(h => h.Scheme == "Digest");
            if (challenge?.Parameter is null)
                return response;
            Challenges.Add(challenge.Parameter);
            var p = Parse(challenge.Parameter);
            var stale = p.GetValueOrDefault("stale")?.Equals("TRUE", StringComparison.OrdinalIgnoreCase) == true;
            var hadNonce = current.Headers.Authorization is not null;
            if (hadNonce && !stale)
                return response; // wrong credentials: never retry the same password (§1.5)
            if (stale)
                StaleRetries++;
            _realm = p["realm"];
            _nonce = p["nonce"];
            _qop = p.GetValueOrDefault("qop");
            _nc = 0;
            var retry = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version };
            if (body is not null)
            {
                retry.Content = new ByteArrayContent(body);
                foreach (var h in contentHeaders!)
                    retry.Content.Headers.TryAddWithoutValidation(h.Key, h.Value);
            }
            Authorize(retry);
            current = retry;
            response.Dispose();
            response = await base.SendAsync(retry, ct);
        }
        return response;
    }

    public void ForceNonce(string nonce, int nc = 0)
    {
        _nonce = nonce;
        _nc = nc;
    }

    public (string? Nonce, int Nc) State => (_nonce, _nc);

    private void Authorize(HttpRequestMessage request)
    {
        var uri = request.RequestUri!.PathAndQuery;
        var nc = (++_nc).ToString("x8");
        var cnonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var ha1 = Md5($"{user}:{_realm}:{Password}");
        var ha2 = Md5($"{request.Method.Method}:{uri}");
        var response = Md5($"{ha1}:{_nonce}:{nc}:{cnonce}:auth:{ha2}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Digest",
            $"username=\"{user}\", realm=\"{_realm}\", nonce=\"{_nonce}\", uri=\"{uri}\", qop=auth, nc={nc}, cnonce=\"{cnonce}\", response=\"{response}\"");
    }

    internal static Dictionary<string, string> Parse(string header)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in SplitParams(header))
        {
            var eq = part.IndexOf('=');
            if (eq > 0)
                result[part[..eq].Trim()] = part[(eq + 1)..].Trim().Trim('"');
        }
        return result;
    }

    private static IEnumerable<string> SplitParams(string s)
    {
        var sb = new StringBuilder();
        var quoted = false;
        foreach (var c in s)
        {
            if (c == '"')
                quoted = !quoted;
            if (c == ',' && !quoted)
            {
                yield return sb.ToString();
                sb.Clear();
            }
            else
                sb.Append(c);
        }
        if (sb.Length > 0)
            yield return sb.ToString();
    }

    private static string Md5(string s) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(s)));
}
