using System.Xml.Linq;
using HikFleet.Simulator.Http;
using static HikFleet.Simulator.Isapi.IsapiXml;

namespace HikFleet.Simulator.Isapi;

internal static partial class IsapiRouter
{
    // ------------------------------------------------------------------ §3.2 activation

    private static SimResponse ActivateStatus(VirtualDevice d) =>
        Response(Root(d.Family, "ActivateStatus", E("Activated", d.Activated)));

    private static SimResponse Challenge(VirtualDevice d, SimRequest r)
    {
        if (d.ModelInfo.IsLegacy)
            return ResponseStatus.Error(d, r, 4, "notSupport");
        var (x, err) = ParseBody(d, r, "PublicKey");
        if (err is not null)
            return err;
        var key = x!.ChildValue("key");
        string random = "";
        var encrypted = key is null ? null : ActivationCrypto.CreateHttpChallenge(key, out random);
        if (encrypted is null)
            return ResponseStatus.Error(d, r, 6, "badParameters", "PublicKey/key must be base64(hex(RSA-1024 modulus))");
        lock (d.Sync)
        {
            d.Activation.HttpRandom = random;
            d.Activation.HttpRandomIssued = SimClock.Now;
        }
        return Response(Root(DeviceFamily.Nvr, "Challenge", E("key", encrypted)));
    }

    private static SimResponse Activate(VirtualDevice d, SimRequest r)
    {
        lock (d.Sync)
        {
            if (d.Activated)
                return ResponseStatus.Error(d, r, 4, "hasActivated");
            var (x, err) = ParseBody(d, r, "ActivateInfo");
            if (err is not null)
                return err;
            var random = d.Activation.HttpRandom;
            var fresh = random is not null &&
                        System.Diagnostics.Stopwatch.GetElapsedTime(d.Activation.HttpRandomIssued) <= MaxReal(d, 300);
            if (!fresh)
                return ResponseStatus.Error(d, r, 4, "invalidOperation", "POST /ISAPI/Security/challenge first");
            var password = ActivationCrypto.DecryptHttpPassword(random!, x!.ChildValue("password") ?? "");
            d.Activation.HttpRandom = null; // single use
            if (password is null)
                return ResponseStatus.Error(d, r, 6, "badParameters", "password does not decrypt with the challenge");
            if (PasswordRules.Validate("admin", password) is { } bad)
                return ResponseStatus.Error(d, r, 4, bad, "password too weak or invalid");
            d.Activate(password);
            return ResponseStatus.Ok(d, r);
        }
    }

    /// <summary>A simulated duration as real time, never shorter than 2 s so a slow client still makes it.</summary>
    internal static TimeSpan MaxReal(VirtualDevice d, double simulatedSeconds)
    {
        var real = d.Clock.ToReal(simulatedSeconds);
        return real < TimeSpan.FromSeconds(2) ? TimeSpan.FromSeconds(2) : real;
    }

    // ------------------------------------------------------------------ security capabilities, lock

    private static SimResponse SecurityCapabilities(VirtualDevice d)
    {
        var legacy = d.ModelInfo.IsLegacy;
        return Response(Root(d.Family, "SecurityCap",
            E("supportUserNums", 32),
            E("userBondIpNums", 0),
            E("userBondMacNums", 0),
            E("isSupCertificate", !legacy),
            E("keyIterateNum", 100),
            E("isSupportUserCheck", true),
            E("isSupportConfigFileImport", true),
            E("isSupportConfigFileExport", true),
            new XElement("cfgFileSecretKeyLenLimit", new XAttribute("min", 0), new XAttribute("max", 16)),
            legacy ? null : new XElement("RSAKeyLength", new XAttribute("opt", "1024"), new XAttribute("def", "1024")),
            legacy ? null : E("isIrreversible", true),
            legacy ? null : E("salt", d.Salt),
            legacy ? null : E("WebCertificateCap",
                new XElement("CertificateType", new XAttribute("opt", "digest"), "digest"),
                E("SecurityAlgorithm", new XElement("algorithmType", new XAttribute("opt", d.Family == DeviceFamily.Camera ? "MD5,SHA256,MD5/SHA256" : "MD5"), "MD5"))),
            E("SecurityLimits", new XElement("LoginPasswordLenLimit", new XAttribute("min", legacy ? 1 : 8), new XAttribute("max", 16)))));
    }

    private static SimResponse IllegalLoginLock(VirtualDevice d)
    {
        var l = d.Config.LoginLock;
        return Response(Root(d.Family, "IllegalLoginLock",
            E("enabled", l.Enabled), E("maxIllegalLoginTimes", l.MaxIllegalLoginTimes), E("maxIllegalLoginLockTime", l.MaxIllegalLoginLockTime)));
    }

    private static SimResponse PutIllegalLoginLock(VirtualDevice d, SimRequest r, DeviceUser user)
    {
        if (RequireAdmin(d, r, user) is { } denied)
            return denied;
        var (x, err) = ParseBody(d, r, "IllegalLoginLock");
        if (err is not null)
            return err;
        var l = d.Config.LoginLock;
        var times = x!.ChildInt("maxIllegalLoginTimes") ?? l.MaxIllegalLoginTimes;
        var lockTime = x.ChildInt("maxIllegalLoginLockTime") ?? l.MaxIllegalLoginLockTime;
        if (times is < 3 or > 20 || lockTime is < 1 or > 120 * 60)
            return ResponseStatus.Error(d, r, 6, "badParameters", "maxIllegalLoginTimes 3..20, maxIllegalLoginLockTime 1..7200");
        l.Enabled = x.ChildBool("enabled") ?? l.Enabled;
        l.MaxIllegalLoginTimes = times;
        l.MaxIllegalLoginLockTime = lockTime;
        return ResponseStatus.Ok(d, r);
    }

    // ------------------------------------------------------------------ §2.5 users

    private static XElement UserXml(DeviceUser u, VirtualDevice? rootFor)
    {
        object?[] content =
        [
            E("id", u.Id),
            E("userName", u.UserName),
            E("userLevel", u.UserLevel),
            rootFor?.ModelInfo.IsLegacy == true ? null : E("attribute", E("inherent", u.Id == 1)),
        ];
        return rootFor is null ? E("User", content) : Root(rootFor.Family, "User", content);
    }

    private static SimResponse Users(VirtualDevice d) =>
        Response(Root(d.Family, "UserList", d.Config.Users.Select(u => (object?)UserXml(u, null)).ToArray()));

    private static SimResponse UserById(VirtualDevice d, SimRequest r, int id) =>
        d.FindUserById(id) is { } u ? Response(UserXml(u, d)) : ResponseStatus.Error(d, r, 6, "badParameters", "no such user");

    private static SimResponse PostUser(VirtualDevice d, SimRequest r, DeviceUser caller)
    {
        if (RequireAdmin(d, r, caller) is { } denied)
            return denied;
        var (x, err) = ParseBody(d, r, "User");
        if (err is not null)
            return err;
        var name = x!.ChildValue("userName");
        var password = x.ChildValue("password");
        var level = x.ChildValue("userLevel") ?? "Operator";
        if (string.IsNullOrEmpty(name) || name.Length > 32 || password is null)
            return ResponseStatus.Error(d, r, 6, "badParameters", "userName and password are required");
        if (level is not ("Operator" or "Viewer"))
            return ResponseStatus.Error(d, r, 6, "badParameters", "userLevel must be Operator or Viewer");
        if (d.Config.Users.Any(u => string.Equals(u.UserName, name, StringComparison.OrdinalIgnoreCase)))
            return ResponseStatus.Error(d, r, 4, "invalidOperation", "user name exists");
        if (d.Config.Users.Count >= 32)
            return ResponseStatus.Error(d, r, 4, "invalidOperation", "user list full");
        if (!d.ModelInfo.IsLegacy && PasswordRules.Validate(name, password) is { } bad)
            return ResponseStatus.Error(d, r, 4, bad);
        var id = d.Config.Users.Max(u => u.Id) + 1;
        d.Config.Users.Add(new DeviceUser { Id = id, UserName = name, Password = password, UserLevel = level });
        return PasswordRules.Level(name, password) == 1 && !d.ModelInfo.IsLegacy
            ? ResponseStatus.Response(d.Family, r.Path, 1, "riskPassword", id: id)
            : ResponseStatus.Ok(d, r, id);
    }

    private static SimResponse PutUser(VirtualDevice d, SimRequest r, DeviceUser caller, int id)
    {
        var target = d.FindUserById(id);
        if (target is null)
            return ResponseStatus.Error(d, r, 6, "badParameters", "no such user");
        if (caller.UserLevel != "Administrator" && caller.Id != id)
            return ResponseStatus.Error(d, r, 4, "lowPrivilege");
        var (x, err) = ParseBody(d, r, "User");
        if (err is not null)
            return err;
        if (x!.ChildValue("userName") is { } newName && newName != target.UserName)
        {
            if (id == 1)
                return ResponseStatus.Error(d, r, 4, "invalidOperation", "the admin user cannot be renamed");
            if (d.Config.Users.Any(u => u.Id != id && string.Equals(u.UserName, newName, StringComparison.OrdinalIgnoreCase)))
                return ResponseStatus.Error(d, r, 4, "invalidOperation", "user name exists");
        }
        if (x.ChildValue("userLevel") is { } level && level != target.UserLevel)
        {
            if (id == 1 || caller.UserLevel != "Administrator" || level is not ("Operator" or "Viewer"))
                return ResponseStatus.Error(d, r, 4, "invalidOperation", "userLevel");
        }
        var password = x.ChildValue("password");
        var risk = false;
        if (password is not null && !d.ModelInfo.IsLegacy)
        {
            // Newer firmware demands the caller's own password to change any password (§2.5).
            if (x.ChildValue("loginPassword") is not { } login || login != caller.Password)
                return ResponseStatus.Error(d, r, 4, "loginPasswordError", "loginPassword missing or wrong");
            var name = x.ChildValue("userName") ?? target.UserName;
            if (PasswordRules.Validate(name, password) is { } bad)
                return ResponseStatus.Error(d, r, 4, bad);
            if (password == target.Password || target.PasswordHistory.Contains(password))
                return ResponseStatus.Error(d, r, 4, "cannotSameAsOldPassword");
            risk = PasswordRules.Level(name, password) == 1;
        }
        if (x.ChildValue("userName") is { } renamed)
            target.UserName = renamed;
        if (x.ChildValue("userLevel") is { } newLevel)
            target.UserLevel = newLevel;
        var changed = false;
        if (password is not null && password != target.Password)
        {
            target.PasswordHistory.Insert(0, target.Password);
            if (target.PasswordHistory.Count > 5)
                target.PasswordHistory.RemoveAt(5);
            target.Password = password;
            changed = true;
        }
        var response = risk ? ResponseStatus.Response(d.Family, r.Path, 1, "riskPassword") : ResponseStatus.Ok(d, r);
        if (changed && d.Faults.OfflineAfterPasswordChange)
        {
            response.AfterSend = () =>
            {
                d.Faults.OfflineAfterPasswordChange = false;
                d.Faults.Offline = true;
            };
        }
        return response;
    }

    private static SimResponse DeleteUser(VirtualDevice d, SimRequest r, DeviceUser caller, int id)
    {
        if (RequireAdmin(d, r, caller) is { } denied)
            return denied;
        if (id == 1)
            return ResponseStatus.Error(d, r, 4, "invalidOperation", "the admin user cannot be deleted");
        var target = d.FindUserById(id);
        if (target is null)
            return ResponseStatus.Error(d, r, 6, "badParameters", "no such user");
        d.Config.Users.Remove(target);
        return ResponseStatus.Ok(d, r);
    }
}
