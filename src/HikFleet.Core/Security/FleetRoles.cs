namespace HikFleet.Core.Security;

/// <summary>The roles of HikFleet. A user has one role; tenant memberships say where it applies.</summary>
public static class FleetRoles
{
    /// <summary>Everything, in every tenant, including the job dashboard and user management.</summary>
    public const string Administrator = "Administrator";
    /// <summary>Its tenants' sites, users and profiles, and every operation there.</summary>
    public const string TenantAdmin = "TenantAdmin";
    /// <summary>Adopt, reboot, reset and reprovision cameras within scope.</summary>
    public const string Operator = "Operator";
    /// <summary>Read the inventory and health within scope.</summary>
    public const string Viewer = "Viewer";
    /// <summary>Read everything in scope, including audit and reset history; never passwords or backups.</summary>
    public const string Auditor = "Auditor";

    public static readonly IReadOnlyList<string> All = [Administrator, TenantAdmin, Operator, Viewer, Auditor];
}

/// <summary>What a request may do. Endpoints and pages name a permission; roles grant permissions here and only here.</summary>
public static class FleetPermissions
{
    /// <summary>Read inventory, sites and health within scope.</summary>
    public const string Read = "fleet.read";
    /// <summary>Create, change and delete sites of a tenant in scope.</summary>
    public const string ManageSites = "fleet.sites.manage";
    /// <summary>Run device operations (adopt, reboot, reset, reprovision) within scope.</summary>
    public const string Operate = "fleet.operate";
    /// <summary>Read the audit trail and reset history within scope.</summary>
    public const string ReadAudit = "fleet.audit.read";
    /// <summary>Manage users and their memberships within the caller's tenants.</summary>
    public const string ManageUsers = "fleet.users.manage";
    /// <summary>Create tenants, see the job dashboard, reveal credentials: the installation's administrators.</summary>
    public const string Administer = "fleet.administer";
    /// <summary>Own API tokens: every signed-in user.</summary>
    public const string OwnTokens = "fleet.tokens.own";
    /// <summary>
    /// Read <c>/metrics</c>: fleet-wide counts across every tenant, so administrators only (or the configured scrape token, which
    /// holds this permission and nothing else).
    /// </summary>
    public const string ScrapeMetrics = "fleet.metrics.scrape";

    public static readonly IReadOnlyList<string> All = [Read, ManageSites, Operate, ReadAudit, ManageUsers, Administer, OwnTokens, ScrapeMetrics];

    private static readonly Dictionary<string, HashSet<string>> Granted = new(StringComparer.Ordinal)
    {
        [FleetRoles.Administrator] = [.. All],
        [FleetRoles.TenantAdmin] = [Read, ManageSites, Operate, ReadAudit, ManageUsers, OwnTokens],
        [FleetRoles.Operator] = [Read, Operate, OwnTokens],
        [FleetRoles.Viewer] = [Read, OwnTokens],
        [FleetRoles.Auditor] = [Read, ReadAudit, OwnTokens],
    };

    public static bool RoleGrants(string? role, string permission) =>
        role is not null && Granted.TryGetValue(role, out var permissions) && permissions.Contains(permission);
}
