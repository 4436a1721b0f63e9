using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Promoter.Abstractions.Model;

namespace Promoter.State.Sqlite;

/// <summary>The rendered-charts role (<see cref="IRenderedCharts"/>): the first save of a group's images wins.</summary>
public sealed partial class SqliteStateStore
{
    public async Task<IReadOnlyList<StoredGroupImage>?> GetGroupImagesAsync(long groupId, CancellationToken ct) =>
        (await GetRenderedGroupAsync(groupId, ct).ConfigureAwait(false))?.Images;

    public Task<RenderedGroup?> GetRenderedGroupAsync(long groupId, CancellationToken ct) =>
        ReadAsync("read the group's images", c => ReadRendered(c, null, groupId), ct);

    private static RenderedGroup? ReadRendered(SqliteConnection c, SqliteTransaction? tx, long groupId)
    {
        using var cmd = Command(c, tx, """
            SELECT images_json, image_notes_json, images_saved_at FROM alert_groups
            WHERE id = $id AND images_json IS NOT NULL
            """);
        cmd.Parameters.AddWithValue("$id", groupId);
        using var r = cmd.ExecuteReader();
        if (!r.Read())
        {
            return null;
        }

        var images = JsonSerializer.Deserialize(r.GetString(0), StateJsonContext.Relaxed.IReadOnlyListStoredGroupImage)
            ?? [];
        IReadOnlyList<string> notes = r.IsDBNull(1)
            ? []
            : JsonSerializer.Deserialize(r.GetString(1), StateJsonContext.Relaxed.IReadOnlyListString) ?? [];
        return new RenderedGroup(images, notes, FromMs(r.IsDBNull(2) ? 0 : r.GetInt64(2)));
    }

    public Task<RenderedGroup> SaveGroupImagesAsync(long groupId, IReadOnlyList<StoredGroupImage> images,
        IReadOnlyList<string> notes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(notes);
        var imagesJson = JsonSerializer.Serialize(images, StateJsonContext.Relaxed.IReadOnlyListStoredGroupImage);
        var notesJson = JsonSerializer.Serialize(notes, StateJsonContext.Relaxed.IReadOnlyListString);
        var now = _time.GetUtcNow();
        return WriteAsync("save the group's images", (c, tx) =>
        {
            // When an earlier save won, it is read back in the same transaction: the caller gets what every channel shows.
            using (var cmd = Command(c, tx, """
                UPDATE alert_groups SET images_json = $images, image_notes_json = $notes, images_saved_at = $now
                WHERE id = $id AND images_json IS NULL
                """))
            {
                cmd.Parameters.AddWithValue("$id", groupId);
                cmd.Parameters.AddWithValue("$images", imagesJson);
                cmd.Parameters.AddWithValue("$notes", notesJson);
                cmd.Parameters.AddWithValue("$now", ToMs(now));
                if (cmd.ExecuteNonQuery() == 1)
                {
                    return new RenderedGroup(images, notes, FromMs(ToMs(now)));
                }
            }

            return ReadRendered(c, tx, groupId) ?? new RenderedGroup([], notes, now);
        }, ct);
    }
}
