using System.Collections;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.ChangeTracking.Internal;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;

// EF1001: BulkChanges reads the change tracker's internal entries (see Internal below); nowhere else in the project.
#pragma warning disable EF1001

namespace HikFleet.Core.Data;

/// <summary>
/// Takes the changes a unit of work tracks out of EF's per-row update pipeline where a set-based statement does the same, and
/// leaves everything else to <c>SaveChanges</c>: modified rows of the given types become one <c>UPDATE … FROM unnest(…)</c> per set
/// of modified columns, added rows of the given append-only types one binary <c>COPY</c>. It keeps SaveChanges' rules: a row with a
/// concurrency token (<c>xmin</c>) changed since it was read, or a row gone, is not written and fails the whole unit with
/// <see cref="DbUpdateConcurrencyException"/>; values go through the model's column names and value converters.
/// Why not EF for these: a health batch of 200 cameras was ~600 single-row statements with their parameters and command
/// preparation — the largest share of the sweep's CPU after the HTTP requests (issue #13).
/// </summary>
/// <remarks>
/// <see cref="Take"/> moves the rows out of the change tracker (updated rows become Unchanged, appended rows Detached), so the
/// context must not be saved again for them; <see cref="ExecuteAsync"/> may be replayed (the connection's retrying strategy), as it
/// only reads the values taken. Rows whose modified columns include a collection (PostgreSQL arrays cannot be unnested per row),
/// a composite key, or a store-generated key to be read back stay with SaveChanges.
/// </remarks>
internal sealed class BulkChanges
{
    private readonly List<Update> _updates = [];
    private readonly List<(Type Type, IList Rows)> _appends = [];

    private sealed record Update(IEntityType Entity, string Sql, object[] Arrays, int Rows);

    public int UpdatedRows => _updates.Sum(u => u.Rows);
    public int AppendedRows => _appends.Sum(a => a.Rows.Count);

    /// <summary>Takes the modified rows of <paramref name="update"/> and the added rows of <paramref name="append"/> out of the tracker.
    /// Changes are detected once, here. A caller whose SaveChanges follows at once, with nothing changed in between, may turn
    /// automatic detection off for it (<c>ChangeTracker.AutoDetectChangesEnabled</c>): the health batch does (issue #13: detecting
    /// a batch's changes three times walked every tracked row's properties three times, 3 % of a sweep's CPU).</summary>
    public static BulkChanges Take(DbContext db, IReadOnlyCollection<Type> update, IReadOnlyCollection<Type> append)
    {
        db.ChangeTracker.DetectChanges();
        var changes = new BulkChanges();
        var auto = db.ChangeTracker.AutoDetectChangesEnabled;
        db.ChangeTracker.AutoDetectChangesEnabled = false; // Entries() would detect them again
        List<EntityEntry> entries;
        try
        {
            entries = db.ChangeTracker.Entries().ToList();
        }
        finally
        {
            db.ChangeTracker.AutoDetectChangesEnabled = auto;
        }

        foreach (var type in append)
        {
            var added = entries.Where(e => e.State == EntityState.Added && e.Metadata.ClrType == type).ToList();
            if (added.Count == 0) continue;
            var rows = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(type))!;
            foreach (var entry in added)
            {
                rows.Add(entry.Entity);
                entry.State = EntityState.Detached;
            }

            changes._appends.Add((type, rows));
        }

        foreach (var type in update)
        {
            var groups = entries.Where(e => e.State == EntityState.Modified && e.Metadata.ClrType == type)
                .Select(e => (Entry: e, Columns: ModifiedColumns(e)))
                .Where(x => x.Columns.Count > 0 && x.Columns.All(Unnestable) && x.Entry.Metadata.FindPrimaryKey() is { Properties.Count: 1 })
                .GroupBy(x => string.Join(',', x.Columns.Select(c => c.Name)));
            foreach (var group in groups)
            {
                var rows = group.ToList();
                changes._updates.Add(Plan(rows[0].Entry.Metadata, rows[0].Columns, rows.Select(r => r.Entry).ToList(),
                    changes._updates.Sum(u => u.Arrays.Length)));
                foreach (var (entry, _) in rows) entry.State = EntityState.Unchanged;
            }
        }

        return changes;
    }

    /// <summary>Runs the statements on the context's connection (in its transaction, when one is open).</summary>
    /// <remarks>Every UPDATE goes in one command (one round trip: a health batch has three to six of them, one per table and set of
    /// modified columns; issue #13). The rows it wrote are counted over all of them: each statement can write at most its own rows
    /// (its keys are distinct), so the total falls short exactly when a row of one of them changed or was deleted.</remarks>
    public async Task ExecuteAsync(FleetDbContext db, CancellationToken ct)
    {
        foreach (var (type, rows) in _appends) await BulkCopy.WriteAsync(db, type, rows, ct);
        if (_updates.Count == 0) return;
        var parameters = _updates.SelectMany(u => u.Arrays).Select((a, i) => (object)new NpgsqlParameter($"p{i}", a)).ToArray();
        var written = await db.Database.ExecuteSqlRawAsync(string.Join(";\n", _updates.Select(u => u.Sql)), parameters, ct);
        var expected = UpdatedRows;
        if (written != expected)
        {
            throw new DbUpdateConcurrencyException(
                $"{expected - written} of {expected} {string.Join(", ", _updates.Select(u => u.Entity.ClrType.Name).Distinct())} rows changed or were deleted since they were read.");
        }
    }

    // The modified columns and the values of a row through EF's internal entry, not PropertyEntry objects: the public API builds
    // a PropertyEntry per property asked (a camera has ~60), ~600,000 objects a sweep at 10,000 cameras (issue #13). EF1001: an
    // internal API (allowed for this file, at its top), pinned by the central package version; the health and bulk tests cover
    // every use.
    private static InternalEntityEntry Internal(EntityEntry entry) => entry.GetInfrastructure();

    private static List<IProperty> ModifiedColumns(EntityEntry entry)
    {
        var internalEntry = Internal(entry);
        var columns = new List<IProperty>();
        foreach (var property in entry.Metadata.GetProperties())
        {
            if (internalEntry.IsModified(property)) columns.Add(property);
        }

        return columns;
    }

    private static bool Unnestable(IProperty property)
    {
        var type = property.GetTypeMapping().Converter?.ProviderClrType ?? property.ClrType;
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type == typeof(string) || type == typeof(decimal) || type == typeof(Guid) || type == typeof(DateTimeOffset) ||
               type == typeof(DateTime) || type == typeof(byte[]) || type == typeof(IPAddress) || type == typeof(TimeSpan);
    }

    /// <param name="firstParameter">The number of the statement's first parameter (<c>@p…</c>): the statements share one command.</param>
    private static Update Plan(IEntityType entity, List<IProperty> columns, List<EntityEntry> rows, int firstParameter)
    {
        var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
        var name = entity.GetSchema() is { } schema ? $"\"{schema}\".\"{table.Name}\"" : $"\"{table.Name}\"";
        var key = entity.FindPrimaryKey()!.Properties[0];
        var token = entity.GetProperties().SingleOrDefault(p => p.IsConcurrencyToken && p.GetColumnName(table) == "xmin");
        var arrays = new List<object> { Values(key, rows, original: true) };
        var names = new List<string> { "k" };
        var where = $"t.\"{key.GetColumnName(table)}\" = v.k";
        if (token is not null)
        {
            // xmin is an xid: compared as a number, as DiscoveryService does (the EF property holds it as uint).
            arrays.Add(rows.Select(r => (long)Convert.ToUInt32(Internal(r).GetOriginalValue(token), System.Globalization.CultureInfo.InvariantCulture)).ToArray());
            names.Add("ver");
            where += " AND t.xmin::text::bigint = v.ver";
        }

        var set = new List<string>();
        for (var i = 0; i < columns.Count; i++)
        {
            arrays.Add(Values(columns[i], rows, original: false));
            names.Add($"c{i}");
            set.Add($"\"{columns[i].GetColumnName(table)}\" = v.c{i}");
        }

        var sql = $"UPDATE {name} AS t SET {string.Join(", ", set)} FROM unnest({string.Join(", ", names.Select((_, i) => $"@p{firstParameter + i}"))}) " +
                  $"AS v({string.Join(", ", names)}) WHERE {where}";
        return new Update(entity, sql, [.. arrays], rows.Count);
    }

    /// <summary>One typed array of a column's values (provider values: an enum stored as text becomes its text).</summary>
    private static Array Values(IProperty property, List<EntityEntry> rows, bool original)
    {
        var converter = property.GetTypeMapping().Converter;
        var type = converter?.ProviderClrType ?? property.ClrType;
        if (type.IsValueType && Nullable.GetUnderlyingType(type) is null && property.IsNullable) type = typeof(Nullable<>).MakeGenericType(type);
        var values = Array.CreateInstance(type, rows.Count);
        for (var i = 0; i < rows.Count; i++)
        {
            var entry = Internal(rows[i]);
            var value = original ? entry.GetOriginalValue(property) : entry.GetCurrentValue(property);
            if (value is not null && converter is not null) value = converter.ConvertToProvider(value);
            // timestamptz takes UTC only.
            if (value is DateTimeOffset at) value = at.ToUniversalTime();
            values.SetValue(value, i);
        }

        return values;
    }
}
