using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

namespace HikFleet.Core.Data;

/// <summary>
/// Appends rows with PostgreSQL's binary COPY on the context's connection and transaction, with table, columns and value
/// conversions read from the EF model (so a renamed column or an enum stored as text stays right). Store-generated columns
/// (identity keys) are left to the database. Used where a run writes thousands of rows nobody reads back in the same unit
/// (discovery sightings: 10,000 INSERT statements took most of a 10,000-sighting reconciliation, issue #13).
/// </summary>
internal static class BulkCopy
{
    public static Task WriteAsync<T>(FleetDbContext db, IReadOnlyCollection<T> rows, CancellationToken ct) where T : class =>
        WriteAsync(db, typeof(T), rows.ToList(), ct);

    public static async Task WriteAsync(FleetDbContext db, Type type, System.Collections.IList rows, CancellationToken ct)
    {
        if (rows.Count == 0) return;
        var entity = db.Model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not mapped.");
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var columns = entity.GetProperties()
            .Where(p => p.PropertyInfo is not null && !StoreGenerated(p))
            .Select(p => (Property: p, Column: p.GetColumnName(table)!, Converter: p.GetTypeMapping().Converter))
            .ToList();
        var name = entity.GetSchema() is { } schema ? $"\"{schema}\".\"{table.Name}\"" : $"\"{table.Name}\"";
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        await using var importer = await connection.BeginBinaryImportAsync(
            $"COPY {name} ({string.Join(", ", columns.Select(c => $"\"{c.Column}\""))}) FROM STDIN (FORMAT BINARY)", ct);
        foreach (var row in rows)
        {
            await importer.StartRowAsync(ct);
            foreach (var (property, _, converter) in columns)
            {
                var value = property.PropertyInfo!.GetValue(row);
                if (value is not null && converter is not null) value = converter.ConvertToProvider(value);
                switch (value)
                {
                    case null:
                        await importer.WriteNullAsync(ct);
                        break;
                    case DateTimeOffset at:
                        await importer.WriteAsync(at.ToUniversalTime(), NpgsqlTypes.NpgsqlDbType.TimestampTz, ct);
                        break;
                    case string text:
                        await importer.WriteAsync(text, NpgsqlTypes.NpgsqlDbType.Varchar, ct);
                        break;
                    default:
                        await importer.WriteAsync(value, ct);
                        break;
                }
            }
        }

        await importer.CompleteAsync(ct);
    }

    /// <summary>
    /// Columns the database fills: identity keys, defaults and computed columns, the row version (xmin). A Guid key is generated on
    /// the client (by the entity or EF) and written like any other column.
    /// </summary>
    private static bool StoreGenerated(IProperty p) =>
        p.ValueGenerated != Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.Never
        && !(p.ValueGenerated == Microsoft.EntityFrameworkCore.Metadata.ValueGenerated.OnAdd && p.ClrType == typeof(Guid)
             && p.GetValueGenerationStrategy() == Npgsql.EntityFrameworkCore.PostgreSQL.Metadata.NpgsqlValueGenerationStrategy.None
             && p.GetDefaultValueSql() is null && p.GetComputedColumnSql() is null);
}
