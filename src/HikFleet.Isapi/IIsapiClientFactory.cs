using HikFleet.Isapi.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HikFleet.Isapi;

/// <summary>Creates one <see cref="IsapiClient"/> per device; all clients share the process-wide lockout guard.</summary>
public interface IIsapiClientFactory
{
    /// <summary>A client for <paramref name="endpoint"/> using <paramref name="credentials"/> (null only for activation paths).</summary>
    IsapiClient Create(IsapiEndpoint endpoint, IsapiCredentials? credentials);

    /// <summary>The shared lockout guard (attempts left, lock end per device user).</summary>
    IsapiLockoutGuard Lockout { get; }
}

/// <summary>The default factory.</summary>
public sealed class IsapiClientFactory(IOptions<IsapiOptions> options, IsapiLockoutGuard guard) : IIsapiClientFactory
{
    /// <summary>A factory without DI (tools, tests, benchmarks).</summary>
    public IsapiClientFactory(IsapiOptions? options = null) : this(Options.Create(options ?? new IsapiOptions()), new IsapiLockoutGuard()) { }

    /// <inheritdoc />
    public IsapiLockoutGuard Lockout => guard;

    /// <inheritdoc />
    public IsapiClient Create(IsapiEndpoint endpoint, IsapiCredentials? credentials)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var o = options.Value;
        o.Validate();
        return new IsapiClient(endpoint, credentials, o, guard);
    }
}

/// <summary>DI registration.</summary>
public static class IsapiServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IIsapiClientFactory"/> with options bound from <paramref name="section"/> (e.g. <c>Isapi</c>).</summary>
    public static IServiceCollection AddIsapi(this IServiceCollection services, IConfiguration section)
    {
        services.AddOptions<IsapiOptions>().Bind(section).Validate(o => { o.Validate(); return true; });
        return AddCore(services);
    }

    /// <summary>Registers <see cref="IIsapiClientFactory"/> with options set in code.</summary>
    public static IServiceCollection AddIsapi(this IServiceCollection services, Action<IsapiOptions>? configure = null)
    {
        var builder = services.AddOptions<IsapiOptions>();
        if (configure is not null) builder.Configure(configure);
        return AddCore(services);
    }

    private static IServiceCollection AddCore(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new IsapiLockoutGuard(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IIsapiClientFactory>(sp =>
            new IsapiClientFactory(sp.GetRequiredService<IOptions<IsapiOptions>>(), sp.GetRequiredService<IsapiLockoutGuard>()));
        return services;
    }
}
