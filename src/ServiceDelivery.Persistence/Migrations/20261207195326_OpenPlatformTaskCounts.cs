using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ServiceDelivery.Persistence.Migrations
{
    /// <summary>
    /// A kept count of the open platform tasks (refund reviews, tickets waiting for the platform): the overview read
    /// it by counting up to 10,001 index entries on every view. Each opening or closing appends +1 / -1 (no row is
    /// updated, so writers never wait on each other); the retention job folds the rows like the stage counts.
    /// </summary>
    public partial class OpenPlatformTaskCounts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE open_platform_task_counts (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    n bigint NOT NULL);

                CREATE FUNCTION count_open_platform_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.closed_at IS NULL AND OLD.role = 'platform' AND OLD.assignee_id IS NULL THEN
                        INSERT INTO open_platform_task_counts (n) VALUES (-1);
                    END IF;
                    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.closed_at IS NULL AND NEW.role = 'platform' AND NEW.assignee_id IS NULL THEN
                        INSERT INTO open_platform_task_counts (n) VALUES (1);
                    END IF;
                    RETURN NULL;
                END $$;

                -- The WHEN clauses keep every other task's write free of the function call.
                CREATE TRIGGER tasks_count_open_platform_opened AFTER INSERT ON tasks
                    FOR EACH ROW WHEN (NEW.closed_at IS NULL AND NEW.role = 'platform' AND NEW.assignee_id IS NULL)
                    EXECUTE FUNCTION count_open_platform_tasks();
                CREATE TRIGGER tasks_count_open_platform_deleted AFTER DELETE ON tasks
                    FOR EACH ROW WHEN (OLD.closed_at IS NULL AND OLD.role = 'platform' AND OLD.assignee_id IS NULL)
                    EXECUTE FUNCTION count_open_platform_tasks();
                CREATE TRIGGER tasks_count_open_platform_changed AFTER UPDATE ON tasks
                    FOR EACH ROW WHEN ((OLD.closed_at IS NULL AND OLD.role = 'platform' AND OLD.assignee_id IS NULL)
                        IS DISTINCT FROM (NEW.closed_at IS NULL AND NEW.role = 'platform' AND NEW.assignee_id IS NULL))
                    EXECUTE FUNCTION count_open_platform_tasks();
                CREATE FUNCTION reset_open_platform_task_counts() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    DELETE FROM open_platform_task_counts;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER tasks_reset_open_platform_counts AFTER TRUNCATE ON tasks
                    FOR EACH STATEMENT EXECUTE FUNCTION reset_open_platform_task_counts();

                INSERT INTO open_platform_task_counts (n)
                    SELECT count(*) FROM tasks WHERE closed_at IS NULL AND role = 'platform' AND assignee_id IS NULL;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER tasks_reset_open_platform_counts ON tasks;
                DROP TRIGGER tasks_count_open_platform_changed ON tasks;
                DROP TRIGGER tasks_count_open_platform_deleted ON tasks;
                DROP TRIGGER tasks_count_open_platform_opened ON tasks;
                DROP FUNCTION reset_open_platform_task_counts();
                DROP FUNCTION count_open_platform_tasks();
                DROP TABLE open_platform_task_counts;
                """);
        }
    }
}
