using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ServiceDelivery.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class OutboxQueueIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_outbox_next_attempt_at",
                table: "outbox");

            migrationBuilder.DropIndex(
                name: "ix_outbox_status_created_at",
                table: "outbox");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_failed",
                table: "outbox",
                column: "id",
                filter: "status = 'failed'");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_sent_created_at",
                table: "outbox",
                column: "created_at",
                filter: "status = 'sent'");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_unsent",
                table: "outbox",
                column: "id",
                filter: "status IN ('pending', 'sending')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_outbox_failed",
                table: "outbox");

            migrationBuilder.DropIndex(
                name: "ix_outbox_sent_created_at",
                table: "outbox");

            migrationBuilder.DropIndex(
                name: "ix_outbox_unsent",
                table: "outbox");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_next_attempt_at",
                table: "outbox",
                column: "next_attempt_at",
                filter: "status IN ('pending', 'sending')");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_status_created_at",
                table: "outbox",
                columns: new[] { "status", "created_at" });
        }
    }
}
