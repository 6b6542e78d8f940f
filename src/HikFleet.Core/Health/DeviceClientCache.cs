using System.Collections.Concurrent;
using HikFleet.Core.Data.Entities;
using HikFleet.Core.Devices;
using HikFleet.Core.Vault;
using HikFleet.Isapi;

namespace HikFleet.Core.Health;

/// <summary>
/// One <see cref="IsapiClient"/> per camera kept across sweeps (its connection pool and Digest nonce make the next check one round
/// trip per request, §8). Keyed by camera id + endpoint + credential id: a new address, port, pin or password gives a new client
/// and disposes the old one.
/// </summary>
public sealed class DeviceClientCache(DeviceAccess access, TimeProvider time) : IDisposable
{
    private readonly ConcurrentDictionary<Guid, Entry> _clients = new();

    private sealed class Entry(string key, IsapiClient client, long lastUsed)
    {
        public string Key { get; } = key;
        public IsapiClient Client { get; } = client;
        public long LastUsed = lastUsed;
    }

    /// <summary>Clients currently cached.</summary>
    public int Count => _clients.Count;

    /// <summary>The cached client for the camera as it is now (address, port, pin) with this credential (null = anonymous only).</summary>
    public IsapiClient Get(Camera camera, DeviceSecret? secret)
    {
        var endpoint = DeviceAccess.EndpointOf(camera);
        var key = $"{endpoint.Host}|{endpoint.Port}|{endpoint.UseHttps}|{endpoint.PinnedCertificateSha256}|{secret?.CredentialId}";
        var now = time.GetTimestamp();
        while (true)
        {
            if (_clients.TryGetValue(camera.Id, out var entry))
            {
                if (entry.Key == key)
                {
                    Volatile.Write(ref entry.LastUsed, now);
                    return entry.Client;
                }

                var replacement = new Entry(key, access.CreateClient(camera, secret), now);
                if (_clients.TryUpdate(camera.Id, replacement, entry))
                {
                    entry.Client.Dispose();
                    return replacement.Client;
                }

                replacement.Client.Dispose();
                continue;
            }

            var created = new Entry(key, access.CreateClient(camera, secret), now);
            if (_clients.TryAdd(camera.Id, created)) return created.Client;
            created.Client.Dispose();
        }
    }

    private long _lastPrune;

    /// <summary>
    /// Disposes the clients not used for <paramref name="idle"/> (cameras retired, moved to another node, or gone). Every site's sweep
    /// calls it, and a scan walks every client of the node: once per a tenth of <paramref name="idle"/> is enough (a client disposed a
    /// few minutes later than it could be costs nothing; 40 scans of 10,000 clients a minute cost ~1 % of a sweep, issue #13), so a
    /// call sooner after the last scan returns 0 at once.
    /// </summary>
    public int Prune(TimeSpan idle)
    {
        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _lastPrune);
        if (last != 0 && time.GetElapsedTime(last, now) < idle / 10) return 0;
        if (Interlocked.CompareExchange(ref _lastPrune, now, last) != last) return 0;
        var pruned = 0;
        foreach (var (id, entry) in _clients)
        {
            if (time.GetElapsedTime(Volatile.Read(ref entry.LastUsed)) > idle && _clients.TryRemove(new(id, entry)))
            {
                entry.Client.Dispose();
                pruned++;
            }
        }

        return pruned;
    }

    /// <summary>Drops a camera's client (retired, deleted).</summary>
    public void Forget(Guid cameraId)
    {
        if (_clients.TryRemove(cameraId, out var entry)) entry.Client.Dispose();
    }

    public void Dispose()
    {
        foreach (var id in _clients.Keys) Forget(id);
    }
}
