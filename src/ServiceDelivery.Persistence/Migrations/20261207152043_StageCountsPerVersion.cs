using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ServiceDelivery.Persistence.Migrations
{
    /// <summary>
    /// The kept stage counts per definition version: the console's heat map shows one version's running deliveries,
    /// and counting them on the fly is a scan of every running delivery. A version change (a migration batch) moves a
    /// delivery between versions, so the trigger watches the version columns too.
    /// </summary>
    public partial class StageCountsPerVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                LOCK TABLE deliveries IN SHARE MODE;
                DELETE FROM stage_counts;
                ALTER TABLE stage_counts ADD COLUMN definition_key varchar(64) NOT NULL, ADD COLUMN definition_version integer NOT NULL;

                CREATE OR REPLACE FUNCTION count_delivery_stages() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        INSERT INTO stage_counts (definition_key, definition_version, stage, n) VALUES (OLD.definition_key, OLD.definition_version, OLD.stage, -1);
                    END IF;
                    IF TG_OP IN ('UPDATE', 'INSERT') THEN
                        INSERT INTO stage_counts (definition_key, definition_version, stage, n) VALUES (NEW.definition_key, NEW.definition_version, NEW.stage, 1);
                    END IF;
                    RETURN NULL;
                END $$;

                DROP TRIGGER deliveries_count_stage_moves ON deliveries;
                CREATE TRIGGER deliveries_count_stage_moves AFTER UPDATE OF stage, definition_key, definition_version ON deliveries
                    FOR EACH ROW WHEN (OLD.stage IS DISTINCT FROM NEW.stage OR OLD.definition_key IS DISTINCT FROM NEW.definition_key
                        OR OLD.definition_version IS DISTINCT FROM NEW.definition_version)
                    EXECUTE FUNCTION count_delivery_stages();

                INSERT INTO stage_counts (definition_key, definition_version, stage, n)
                    SELECT definition_key, definition_version, stage, count(*) FROM deliveries GROUP BY 1, 2, 3;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                LOCK TABLE deliveries IN SHARE MODE;
                DELETE FROM stage_counts;
                ALTER TABLE stage_counts DROP COLUMN definition_key, DROP COLUMN definition_version;

                CREATE OR REPLACE FUNCTION count_delivery_stages() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN
                        INSERT INTO stage_counts (stage, n) VALUES (OLD.stage, -1);
                    END IF;
                    IF TG_OP IN ('UPDATE', 'INSERT') THEN
                        INSERT INTO stage_counts (stage, n) VALUES (NEW.stage, 1);
                    END IF;
                    RETURN NULL;
                END $$;

                DROP TRIGGER deliveries_count_stage_moves ON deliveries;
                CREATE TRIGGER deliveries_count_stage_moves AFTER UPDATE OF stage ON deliveries
                    FOR EACH ROW WHEN (OLD.stage IS DISTINCT FROM NEW.stage) EXECUTE FUNCTION count_delivery_stages();

                INSERT INTO stage_counts (stage, n) SELECT stage, count(*) FROM deliveries GROUP BY stage;
                """);
        }
    }
}
