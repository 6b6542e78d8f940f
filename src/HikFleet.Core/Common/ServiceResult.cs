namespace HikFleet.Core.Common;

/// <summary>How a request to a Core service ended; the API maps it to an HTTP status, the UI to a message.</summary>
public enum ResultKind
{
    Ok,
    /// <summary>The input is wrong; <see cref="ServiceResult.Errors"/> says what, per field.</summary>
    Invalid,
    /// <summary>No such thing, or not in the caller's scope: the two are deliberately indistinguishable.</summary>
    NotFound,
    /// <summary>In scope, but the caller's role may not do this.</summary>
    Forbidden,
    /// <summary>Someone else changed it meanwhile, or it clashes with existing data.</summary>
    Conflict,
}

/// <summary>The outcome of a write: the id of what was written, or why nothing was.</summary>
public sealed record ServiceResult(ResultKind Kind, Guid? Id, IReadOnlyDictionary<string, string[]> Errors)
{
    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    public bool Succeeded => Kind == ResultKind.Ok;

    /// <summary>All messages in one line, for a snackbar or a log.</summary>
    public string Message => string.Join(" ", Errors.SelectMany(e => e.Value));

    public static ServiceResult Ok(Guid id) => new(ResultKind.Ok, id, NoErrors);

    public static ServiceResult Invalid(IReadOnlyDictionary<string, string[]> errors) => new(ResultKind.Invalid, null, errors);

    public static ServiceResult Invalid(string field, string message) => Invalid(new Dictionary<string, string[]> { [field] = [message] });

    public static ServiceResult NotFound(string message = "Not found.") => Fail(ResultKind.NotFound, message);

    public static ServiceResult Forbidden(string message = "Your role does not allow this.") => Fail(ResultKind.Forbidden, message);

    public static ServiceResult Conflict(string field, string message) => new(ResultKind.Conflict, null, new Dictionary<string, string[]> { [field] = [message] });

    private static ServiceResult Fail(ResultKind kind, string message) => new(kind, null, new Dictionary<string, string[]> { [""] = [message] });
}
