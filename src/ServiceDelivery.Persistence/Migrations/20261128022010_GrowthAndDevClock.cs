using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ServiceDelivery.Persistence.Migrations
{
    /// <summary>
    /// Growth: attachment lookups by GIN index, the status list index, exact stage counts kept by a trigger as
    /// append-only deltas (no hot row: concurrent writers never wait on a counter), a draft revision; and the
    /// development clock's offset, shared by every host.
    /// </summary>
    public partial class GrowthAndDevClock : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "revision",
                table: "definition_drafts",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateIndex(
                name: "ix_tickets_attachment_ids",
                table: "tickets",
                column: "attachment_ids",
                filter: "cardinality(attachment_ids) > 0")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "ix_ticket_messages_attachment_ids",
                table: "ticket_messages",
                column: "attachment_ids",
                filter: "cardinality(attachment_ids) > 0")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "ix_process_log_attachment_ids",
                table: "process_log",
                column: "attachment_ids",
                filter: "cardinality(attachment_ids) > 0")
                .Annotation("Npgsql:IndexMethod", "gin");

            migrationBuilder.CreateIndex(
                name: "ix_deliveries_status_created_at_id",
                table: "deliveries",
                columns: new[] { "status", "created_at", "id" },
                descending: new[] { false, true, true });

            // Each change of a delivery's stage appends -1 / +1 rows; StageCounts folds them up now and then.
            migrationBuilder.Sql("""
                CREATE TABLE stage_counts (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    stage varchar(64) NOT NULL,
                    n bigint NOT NULL);

                CREATE FUNCTION count_delivery_stages() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        INSERT INTO stage_counts (stage, n) VALUES (OLD.stage, -1);
                    END IF;
                    IF TG_OP IN ('UPDATE', 'INSERT') THEN
                        INSERT INTO stage_counts (stage, n) VALUES (NEW.stage, 1);
                    END IF;
                    RETURN NULL;
                END $$;

                CREATE TRIGGER deliveries_count_stages AFTER INSERT OR DELETE ON deliveries
                    FOR EACH ROW EXECUTE FUNCTION count_delivery_stages();
                CREATE TRIGGER deliveries_count_stage_moves AFTER UPDATE OF stage ON deliveries
                    FOR EACH ROW WHEN (OLD.stage IS DISTINCT FROM NEW.stage) EXECUTE FUNCTION count_delivery_stages();
                CREATE FUNCTION reset_stage_counts() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    DELETE FROM stage_counts;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER deliveries_reset_stage_counts AFTER TRUNCATE ON deliveries
                    FOR EACH STATEMENT EXECUTE FUNCTION reset_stage_counts();

                INSERT INTO stage_counts (stage, n) SELECT stage, count(*) FROM deliveries GROUP BY stage;

                CREATE TABLE dev_clock (
                    id smallint PRIMARY KEY CHECK (id = 1),
                    offset_ticks bigint NOT NULL);
                INSERT INTO dev_clock VALUES (1, 0);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TABLE dev_clock;
                DROP TRIGGER deliveries_reset_stage_counts ON deliveries;
                DROP TRIGGER deliveries_count_stage_moves ON deliveries;
                DROP TRIGGER deliveries_count_stages ON deliveries;
                DROP FUNCTION reset_stage_counts();
                DROP FUNCTION count_delivery_stages();
                DROP TABLE stage_counts;
                """);

            migrationBuilder.DropIndex(
                name: "ix_tickets_attachment_ids",
                table: "tickets");

            migrationBuilder.DropIndex(
                name: "ix_ticket_messages_attachment_ids",
                table: "ticket_messages");

            migrationBuilder.DropIndex(
                name: "ix_process_log_attachment_ids",
                table: "process_log");

            migrationBuilder.DropIndex(
                name: "ix_deliveries_status_created_at_id",
                table: "deliveries");

            migrationBuilder.DropColumn(
                name: "revision",
                table: "definition_drafts");
        }
    }
}
