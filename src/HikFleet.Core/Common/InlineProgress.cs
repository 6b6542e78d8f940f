namespace HikFleet.Core.Common;

/// <summary>
/// An <see cref="IProgress{T}"/> that reports on the caller's thread (no hop through a synchronisation context, unlike
/// <see cref="Progress{T}"/>): for byte counts of streamed uploads, read by a loop or a page that renders at its own pace.
/// </summary>
public sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
