using HikFleet.Core.Data.Entities;
using HikFleet.Sadp;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HikFleet.Core.Discovery;

/// <summary>
/// SADP clients per site: the installation's <see cref="SadpOptions"/> (loopback, TTL 0 and no broadcast unless an operator
/// configured otherwise), with the site's own interfaces when it names some. Nothing here ever turns broadcast or a wider
/// multicast on by itself.
/// </summary>
public sealed class SiteSadpClients(IOptions<SadpOptions> installation, ILoggerFactory loggers, TimeProvider time)
{
    public SadpClient ForSite(Site site)
    {
        var o = installation.Value;
        var copy = o.WithInterfaces(site.SadpInterfaces.Count > 0 ? site.SadpInterfaces.Select(a => a.ToString()) : o.Interfaces);
        return new SadpClient(copy, loggers.CreateLogger<SadpClient>(), time);
    }
}
