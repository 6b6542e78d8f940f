using HikFleet.Sadp;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SADP client (STYLE.md: a protocol library registers itself).</summary>
public static class SadpServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SadpClient"/> as a singleton with <see cref="SadpOptions"/> bound from <paramref name="section"/>
    /// (e.g. <c>configuration.GetSection(SadpOptions.SectionName)</c>), validated when first resolved.
    /// </summary>
    public static IServiceCollection AddSadp(this IServiceCollection services, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        services.AddSadpCore();
        services.Configure<SadpOptions>(section);
        return services;
    }

    /// <summary>Registers <see cref="SadpClient"/> as a singleton with <see cref="SadpOptions"/> set by <paramref name="configure"/>.</summary>
    public static IServiceCollection AddSadp(this IServiceCollection services, Action<SadpOptions>? configure = null)
    {
        services.AddSadpCore();
        if (configure is not null)
            services.Configure(configure);
        return services;
    }

    private static void AddSadpCore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SadpOptions>, SadpOptionsValidator>());
        services.TryAddSingleton(sp => new SadpClient(
            sp.GetRequiredService<IOptions<SadpOptions>>(),
            sp.GetService<ILogger<SadpClient>>(),
            sp.GetService<TimeProvider>()));
    }

    private sealed class SadpOptionsValidator : IValidateOptions<SadpOptions>
    {
        public ValidateOptionsResult Validate(string? name, SadpOptions options)
        {
            var errors = options.Validate();
            return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
        }
    }
}
