using HikFleet.Core.Common;

namespace HikFleet.Web.Api;

/// <summary>Maps Core outcomes to HTTP answers (Problem Details for every refusal).</summary>
public static class ApiResults
{
    public static IResult From(ServiceResult result, Func<Guid, IResult> onSuccess) => result.Kind switch
    {
        ResultKind.Ok => onSuccess(result.Id!.Value),
        ResultKind.Invalid => Results.ValidationProblem(
            result.Errors.ToDictionary(e => e.Key.Length == 0 ? "" : char.ToLowerInvariant(e.Key[0]) + e.Key[1..], e => e.Value)),
        ResultKind.NotFound => Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: result.Message),
        ResultKind.Forbidden => Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: result.Message),
        ResultKind.Conflict => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: result.Message),
        _ => Results.Problem(statusCode: StatusCodes.Status500InternalServerError),
    };

    public static async Task<IResult> FromAsync(ServiceResult result, Func<Guid, Task<IResult>> onSuccess) =>
        result.Succeeded ? await onSuccess(result.Id!.Value) : From(result, _ => Results.Ok());

    public static IResult NotFound() =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found");
}
