namespace Promoter.State.Postgres;

/// <summary>
/// The PostgreSQL schema as ordered migrations, the twin of <c>SqliteSchema</c>: the same tables and columns (times as
/// BIGINT Unix milliseconds, so both stores compare and page alike), identity columns for ids, plus what several
/// replicas need and one process did not: the dedupe table whose primary key makes an HA pair's double post one
/// group, the transaction id of each history row (so the events API never pages past a row that commits late),
/// and the shared send slots of rate-limited channels. A migration is never edited once released.
/// </summary>
internal static class PostgresSchema
{
    public sealed record Migration(int Version, string Description, string Sql);

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "groups, deliveries, alert history, dedupe keys, channel slots", """
            CREATE TABLE alert_groups (
                id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                dedupe_key       TEXT    NOT NULL,
                receiver         TEXT    NOT NULL,
                group_key        TEXT    NOT NULL,
                status           TEXT    NOT NULL,
                alert_count      INTEGER NOT NULL,
                received_at      BIGINT  NOT NULL,
                payload          TEXT    NOT NULL,
                group_json       TEXT    NOT NULL,
                images_json      TEXT    NULL,
                image_notes_json TEXT    NULL,
                images_saved_at  BIGINT  NULL
            );
            CREATE INDEX ix_alert_groups_received ON alert_groups (received_at);
            CREATE INDEX ix_alert_groups_receiver_id ON alert_groups (receiver, id);

            -- One row per dedupe key: its primary key is what makes two replicas that receive the same group at the
            -- same moment (an Alertmanager HA pair posting to both) queue it once. The second INSERT waits for the
            -- first transaction and then sees its row.
            CREATE TABLE dedupe_keys (
                dedupe_key  TEXT   PRIMARY KEY,
                group_id    BIGINT NOT NULL,
                received_at BIGINT NOT NULL
            );
            CREATE INDEX ix_dedupe_keys_received ON dedupe_keys (received_at);

            CREATE TABLE deliveries (
                id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                group_id        BIGINT  NOT NULL REFERENCES alert_groups (id) ON DELETE CASCADE,
                channel         TEXT    NOT NULL,
                receiver        TEXT    NOT NULL,
                group_key       TEXT    NOT NULL,
                state           TEXT    NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed')),
                attempts        INTEGER NOT NULL DEFAULT 0,
                created_at      BIGINT  NOT NULL,
                next_attempt_at BIGINT  NOT NULL,
                leased_until    BIGINT  NULL,
                lease_owner     TEXT    NULL,
                resume_token    TEXT    NULL,
                last_attempt_at BIGINT  NULL,
                finished_at     BIGINT  NULL,
                message_id      TEXT    NULL,
                failure_reason  TEXT    NULL,
                last_error      TEXT    NULL,
                note            TEXT    NULL
            );
            -- Partial: the claim and the queue statistics look at unfinished deliveries only, which stay few while the
            -- finished ones grow with the history.
            CREATE INDEX ix_deliveries_pending ON deliveries (channel, group_key, id) WHERE state = 'pending';
            CREATE INDEX ix_deliveries_state ON deliveries (state);
            CREATE INDEX ix_deliveries_group ON deliveries (group_id);
            CREATE INDEX ix_deliveries_message ON deliveries (channel, group_key, id)
                WHERE state = 'succeeded' AND message_id IS NOT NULL;

            CREATE TABLE alert_history (
                id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                group_id         BIGINT NOT NULL REFERENCES alert_groups (id) ON DELETE CASCADE,
                fingerprint      TEXT   NOT NULL,
                receiver         TEXT   NOT NULL,
                alert_name       TEXT   NOT NULL,
                status           TEXT   NOT NULL,
                labels_json      TEXT   NOT NULL,
                annotations_json TEXT   NOT NULL,
                starts_at        TEXT   NOT NULL,
                ends_at          TEXT   NULL,
                generator_url    TEXT   NOT NULL,
                received_at      BIGINT NOT NULL,
                -- Ids are taken at INSERT but become visible at COMMIT, so with several writers id 12 can be seen
                -- before id 11. The events API hands out only rows of transactions older than every transaction still
                -- running (pg_snapshot_xmin), so a cursor never moves past a row that commits later.
                tx_id            XID8   NOT NULL DEFAULT pg_current_xact_id()
            );
            CREATE INDEX ix_alert_history_alert ON alert_history (fingerprint, receiver, id) INCLUDE (received_at);
            CREATE INDEX ix_alert_history_group ON alert_history (group_id);
            CREATE INDEX ix_alert_history_received ON alert_history (received_at);
            CREATE INDEX ix_alert_history_receiver_id ON alert_history (receiver, id);
            CREATE INDEX ix_alert_history_name_id ON alert_history (alert_name, id);

            -- Send slots of rate-limited channels, shared by every replica: the limit is the robot's, not the process's.
            CREATE TABLE channel_slots (
                channel TEXT   NOT NULL,
                slot_at BIGINT NOT NULL,
                holder  BIGINT NOT NULL,
                -- When the send really began (BeginSendAsync): what the robot counts.
                sent_at BIGINT NULL
            );
            CREATE INDEX ix_channel_slots ON channel_slots (channel, slot_at);
            """),
    ];

    public static int LatestVersion => Migrations[^1].Version;
}
