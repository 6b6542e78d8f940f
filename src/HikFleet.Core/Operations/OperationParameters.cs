using System.Text.Json;
using System.Text.Json.Nodes;
using HikFleet.Isapi;

namespace HikFleet.Core.Operations;

/// <summary>What was asked of an operation (stored as JSON on the row; never secrets).</summary>
public sealed record OperationParameters
{
    /// <summary>Factory reset: basic keeps network and users, full returns the device to inactive at its factory address.</summary>
    public FactoryResetMode? ResetMode { get; init; }
    /// <summary>An administrator let the reset go on without a backup (audited).</summary>
    public bool BackupOverride { get; init; }
    /// <summary>Reprovisioning: the backup to restore (default: the newest).</summary>
    public Guid? BackupId { get; init; }
    /// <summary>Bulk: offline cameras of the site when the batch was requested (the batch halts when that rises).</summary>
    public int? SiteOfflineAtStart { get; init; }
    /// <summary>Apply profile: the profile pushed.</summary>
    public Guid? ProfileId { get; init; }
    /// <summary>Firmware upgrade: the library image installed.</summary>
    public Guid? FirmwareImageId { get; init; }
    /// <summary>Staged rollout: how it was cut (canary cameras, cameras per wave) and how long each wave is watched before the next starts.</summary>
    public RolloutPlan? Rollout { get; init; }
    /// <summary>Staged rollout: the camera's health when the rollout was asked for (a wave whose cameras are worse now halts the rest).</summary>
    public Data.Entities.HealthState? HealthAtStart { get; init; }
    /// <summary>Power-cycle: the switch port as mapped when it was asked for (a mapping changed meanwhile stops it at the check).</summary>
    public PoePortRef? PoePort { get; init; }
    /// <summary>Power-cycle: how long the port stays off, in seconds.</summary>
    public int? OffSeconds { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, DeviceSettings.Json);

    public static OperationParameters FromJson(string json) => JsonSerializer.Deserialize<OperationParameters>(json, DeviceSettings.Json) ?? new();
}

/// <summary>A PoE switch port: the switch, the PSE group and the port.</summary>
public sealed record PoePortRef(Guid SwitchId, int Group, int Port);

/// <summary>A staged rollout: <paramref name="CanarySize"/> cameras first, then waves of <paramref name="WaveSize"/>, each watched <paramref name="SoakMinutes"/>.</summary>
public sealed record RolloutPlan(int CanarySize = 1, int WaveSize = 10, double SoakMinutes = 10)
{
    public const int MaxSoakMinutes = 24 * 60;

    /// <summary>Null when acceptable, else why not.</summary>
    public string? Problem() =>
        CanarySize is < 1 or > 50 ? "A rollout starts with 1 to 50 canary cameras."
        : WaveSize is < 1 or > 500 ? "A wave has 1 to 500 cameras."
        : SoakMinutes is < 0 or > MaxSoakMinutes ? $"Each wave is watched 0 to {MaxSoakMinutes} minutes before the next."
        : null;

    /// <summary>The wave of the <paramref name="index"/>-th camera admitted to the rollout (0 = canary).</summary>
    public int WaveOf(int index) => index < CanarySize ? 0 : 1 + (index - CanarySize) / WaveSize;
}

/// <summary>What steps hand to later steps (stored as the operation's Context JSON object). Never secrets.</summary>
public sealed class OperationBag(JsonObject values)
{
    public static OperationBag Parse(string json) => new(JsonNode.Parse(json) as JsonObject ?? []);

    public string ToJson() => values.ToJsonString();

    public string? Get(string key) => values[key]?.GetValue<string>();

    public T? Get<T>(string key) where T : class => values[key] is { } node ? node.Deserialize<T>(DeviceSettings.Json) : null;

    public void Set(string key, string? value) => values[key] = value;

    public void Set<T>(string key, T value) where T : class => values[key] = JsonSerializer.SerializeToNode(value, DeviceSettings.Json);

    public bool Has(string key) => values[key] is not null;
}
