using System.Net;
using System.Security.Cryptography;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace HikFleet.Sadp;

public sealed partial class SadpClient
{
    /// <summary>
    /// Activates a factory-fresh device (sets the first admin password) by §3.3 variant A: <c>exchangecode</c> with a fresh
    /// RSA-1024 public key (DER PKCS#1, base64), decrypt the device's random R, then <c>activate</c> with
    /// <see cref="SadpPasswordCrypto.EncryptActivationPassword"/>. If either step gets no reply, the whole exchange is run once more
    /// (new key and Uuid): a device that never received the <c>activate</c> answers the new exchange, and one whose reply was lost
    /// now says it is activated, reported as <see cref="SadpCommandStatus.AlreadyActivated"/> with a detail saying so. Prefer ISAPI activation when
    /// the device is reachable over IP (§3.3).
    /// </summary>
    /// <param name="mac">Target MAC (any common notation).</param>
    /// <param name="password">The new admin password (never logged).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async Task<SadpCommandOutcome> ActivateAsync(string mac, string password, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(password);
        var target = await ResolveAsync(mac, cancellationToken);
        if (target is null)
            return new(SadpCommandStatus.NoAnswer, "device not found by discovery");
        var outcome = await ActivateOnceAsync(target, password, cancellationToken);
        if (outcome.Status == SadpCommandStatus.NoAnswer)
        {
            // A fresh exchange (new key, new Uuid, new socket) so that a late reply to the first one cannot pair an old random
            // with the new activate.
            var activateWasSent = outcome.Reply is not null;
            var retry = await ActivateOnceAsync(target, password, cancellationToken);
            outcome = activateWasSent && retry.Status == SadpCommandStatus.AlreadyActivated
                ? retry with { Detail = $"the first activate got no reply and the device now reports it is activated ({retry.Detail})" }
                : retry;
        }
        if (outcome.IsSuccess)
            _known.TryRemove(target.Mac, out _); // the cached sighting still says Activated=false
        return outcome;
    }

    /// <summary>One exchangecode + activate. NoAnswer with a Reply (the exchange's) means only the activate went unanswered.</summary>
    private async Task<SadpCommandOutcome> ActivateOnceAsync(SadpSighting target, string password, CancellationToken ct)
    {
        using var rsa = RSA.Create(1024);
        var exchange = NewCommand("exchangecode", target);
        exchange.Code = Convert.ToBase64String(rsa.ExportRSAPublicKey());
        var exchangeReply = await SendCommandAsync(exchange, target, retries: 0, ct);
        if (exchangeReply is null)
            return new(SadpCommandStatus.NoAnswer, "no reply to exchangecode");
        if (string.IsNullOrEmpty(exchangeReply.Code))
        {
            // No key: the device refused the exchange (commonly "Has activated!"); map whatever it said.
            var refused = SadpCommandOutcome.FromReply(exchangeReply);
            return refused.IsSuccess ? new(SadpCommandStatus.Failed, "exchangecode reply carried no Code", exchangeReply) : refused;
        }
        byte[] random;
        try
        {
            random = rsa.Decrypt(Convert.FromBase64String(exchangeReply.Code), RSAEncryptionPadding.Pkcs1);
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException)
        {
            return new(SadpCommandStatus.Failed, "exchangecode reply Code could not be decrypted", exchangeReply);
        }
        if (random.Length < 16)
            return new(SadpCommandStatus.Failed, $"device random is {random.Length} bytes, expected at least 16", exchangeReply);

        var activate = NewCommand("activate", target);
        activate.Password = SadpPasswordCrypto.EncryptActivationPassword(random, password);
        CryptographicOperations.ZeroMemory(random);
        var reply = await SendCommandAsync(activate, target, retries: 0, ct);
        return reply is null ? new(SadpCommandStatus.NoAnswer, "no reply to activate", exchangeReply) : SadpCommandOutcome.FromReply(reply);
    }

    /// <summary>
    /// Changes a device's network parameters with <c>update</c> (§4.4). Uses the salted proof (<c>bSalt="true"</c>) when the device
    /// advertised a <c>Salt</c>, the plain password otherwise (older devices, §4.4).
    /// </summary>
    public async Task<SadpCommandOutcome> UpdateNetworkAsync(string mac, SadpNetworkSettings settings, string adminPassword,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(adminPassword);
        var target = await ResolveAsync(mac, cancellationToken);
        if (target is null)
            return new(SadpCommandStatus.NoAnswer, "device not found by discovery");
        var update = NewCommand("update", target);
        update.PWErrorParse = true;
        SetPassword(update, target, adminPassword);
        update.IPv4Address = settings.IPv4Address;
        update.IPv4SubnetMask = settings.IPv4SubnetMask;
        update.IPv4Gateway = settings.IPv4Gateway;
        update.CommandPort = settings.CommandPort ?? target.Message.CommandPort ?? 8000;
        update.Dhcp = settings.Dhcp;
        update.HttpPort = settings.HttpPort;
        update.SdkOverTlsPort = settings.SdkOverTlsPort;
        update.IPv6Address = settings.IPv6Address;
        update.IPv6Gateway = settings.IPv6Gateway;
        update.IPv6MaskLen = settings.IPv6MaskLen;
        var outcome = await RunAsync(update, target, cancellationToken);
        if (outcome.IsSuccess)
            _known.TryRemove(target.Mac, out _); // its address changed: route by a fresh sighting next time
        return outcome;
    }

    /// <summary>Reboots a device with the SADP <c>reboot</c> command (§4.4); password proof as for <see cref="UpdateNetworkAsync"/>.</summary>
    public async Task<SadpCommandOutcome> RebootAsync(string mac, string adminPassword, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(adminPassword);
        var target = await ResolveAsync(mac, cancellationToken);
        if (target is null)
            return new(SadpCommandStatus.NoAnswer, "device not found by discovery");
        var reboot = NewCommand("reboot", target);
        SetPassword(reboot, target, adminPassword);
        return await RunAsync(reboot, target, cancellationToken);
    }

    /// <summary>
    /// Returns a device to the inactive (factory-fresh, no admin password) state with <c>restoreInactive</c> (§4.4).
    /// Password proof as for <see cref="UpdateNetworkAsync"/>.
    /// </summary>
    public async Task<SadpCommandOutcome> RestoreInactiveAsync(string mac, string adminPassword, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(adminPassword);
        var target = await ResolveAsync(mac, cancellationToken);
        if (target is null)
            return new(SadpCommandStatus.NoAnswer, "device not found by discovery");
        var restore = NewCommand("restoreInactive", target);
        SetPassword(restore, target, adminPassword);
        var outcome = await RunAsync(restore, target, cancellationToken);
        if (outcome.IsSuccess)
            _known.TryRemove(target.Mac, out _);
        return outcome;
    }

    private async Task<SadpSighting?> ResolveAsync(string mac, CancellationToken ct)
    {
        var wanted = SadpValues.NormalizeMac(mac) ?? throw new ArgumentException($"'{mac}' is not a MAC address.", nameof(mac));
        if (_known.TryGetValue(wanted, out var known))
            return known;
        return await FindAsync(wanted, ct);
    }

    private static SadpMessage NewCommand(string types, SadpSighting target)
    {
        var m = SadpMessage.NewProbe(types);
        m.Mac = target.Mac;
        return m;
    }

    private void SetPassword(SadpMessage command, SadpSighting target, string password)
    {
        if (!string.IsNullOrWhiteSpace(target.Message.Salt))
        {
            command.Password = SadpPasswordCrypto.CreateSaltedProof(_options.AdminUser, target.Message.Salt.Trim(), password);
            command.PasswordSalted = true;
        }
        else
        {
            command.Password = password;
        }
    }

    private async Task<SadpCommandOutcome> RunAsync(SadpMessage command, SadpSighting target, CancellationToken ct)
    {
        var reply = await SendCommandAsync(command, target, _options.CommandRetries, ct);
        return reply is null ? new(SadpCommandStatus.NoAnswer, $"no reply to {command.Types}") : SadpCommandOutcome.FromReply(reply);
    }

    /// <summary>
    /// Sends one command and waits for the ProbeMatch with the same Uuid and MAC. Routed by multicast on the interface that saw the
    /// device (works even when its address is not routable, §4.1), or by unicast to the address it replied from when
    /// <see cref="SadpOptions.CommandsByUnicast"/> is set or multicast is disabled. Sent once: resending a state-changing command
    /// could apply it twice.
    /// </summary>
    private async Task<SadpMessage?> SendCommandAsync(SadpMessage command, SadpSighting target, int retries, CancellationToken ct)
    {
        var payload = SadpMessageWriter.Write(command);
        var destination = _options.EnableMulticast && !_options.CommandsByUnicast
            ? new IPEndPoint(_options.GetMulticastGroup(), _options.Port)
            : new IPEndPoint(target.RemoteEndPoint.Address, _options.Port);
        var channel = NewDatagramChannel();
        await using var socket = new SadpSocket(target.LocalInterface, _options);
        socket.StartReceiving(channel.Writer);
        for (var attempt = 0; attempt <= retries; attempt++)
        {
            LogCommand(_logger, command.Types!, target.Mac, destination, target.LocalInterface, attempt + 1);
            if (!await socket.TrySendAsync(payload, destination, ct))
                return null;
            // Same socket and Uuid on every attempt, so a late reply to an earlier attempt still counts.
            if (await WaitForReplyAsync(channel.Reader, command, target.Mac, ct) is { } reply)
                return reply;
        }
        return null;
    }

    private async Task<SadpMessage?> WaitForReplyAsync(ChannelReader<ReceivedDatagram> reader, SadpMessage command, string mac, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.CommandTimeout);
        try
        {
            await foreach (var d in reader.ReadAllAsync(timeout.Token))
            {
                var r = SadpMessageReader.Read(d.Payload, _options.MaxDatagramBytes);
                if (r.Message is not { Kind: SadpMessageKind.ProbeMatch } m)
                    continue;
                if (!string.Equals(m.Uuid, command.Uuid, StringComparison.OrdinalIgnoreCase))
                    continue;
                if (m.Mac is not null && m.Mac != mac)
                    continue;
                return m;
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
        }
        return null;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "SADP {Types} to {Mac} via {Destination} on {Interface} (attempt {Attempt})")]
    private static partial void LogCommand(ILogger logger, string types, string mac, IPEndPoint destination, IPAddress @interface, int attempt);
}
