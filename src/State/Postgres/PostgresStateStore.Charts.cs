using System.Text.Json;
using Npgsql;

namespace Promoter.State.Postgres;

/// <summary>The rendered-charts role (<see cref="IRenderedCharts"/>): the first save of a group's images wins.</summary>
public sealed partial class PostgresStateStore
{
    public async Task<IReadOnlyList<StoredGroupImage>?> GetGroupImagesAsync(long groupId, CancellationToken ct) =>
        (await GetRenderedGroupAsync(groupId, ct).ConfigureAwait(false))?.Images;

    public Task<RenderedGroup?> GetRenderedGroupAsync(long groupId, CancellationToken ct) =>
        RunReadAsync("read the group's images", (c, tx, token) => ReadRenderedAsync(c, tx, groupId, token), ct);

    private static async Task<RenderedGroup?> ReadRenderedAsync(NpgsqlConnection c, NpgsqlTransaction tx, long groupId,
        CancellationToken token)
    {
        await using var cmd = Command(c, tx, """
            SELECT images_json, image_notes_json, images_saved_at FROM alert_groups
            WHERE id = @id AND images_json IS NOT NULL
            """);
        cmd.Parameters.AddWithValue("id", groupId);
        await using var r = await cmd.ExecuteReaderAsync(token).ConfigureAwait(false);
        if (!await r.ReadAsync(token).ConfigureAwait(false))
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
        return RunReadAsync("save the group's images", async (c, tx, token) =>
        {
            // When an earlier save won, it is read back in the same transaction: the caller gets what every channel shows.
            await using (var cmd = Command(c, tx, """
                UPDATE alert_groups SET images_json = @images, image_notes_json = @notes, images_saved_at = @now
                WHERE id = @id AND images_json IS NULL
                """))
            {
                cmd.Parameters.AddWithValue("id", groupId);
                cmd.Parameters.AddWithValue("images", imagesJson);
                cmd.Parameters.AddWithValue("notes", notesJson);
                cmd.Parameters.AddWithValue("now", ToMs(now));
                if (await cmd.ExecuteNonQueryAsync(token).ConfigureAwait(false) == 1)
                {
                    return new RenderedGroup(images, notes, FromMs(ToMs(now)));
                }
            }

            return await ReadRenderedAsync(c, tx, groupId, token).ConfigureAwait(false) ?? new RenderedGroup([], notes, now);
        }, ct);
    }
}
