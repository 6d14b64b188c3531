using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace ServiceDelivery.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class OutboxSending : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_outbox_next_attempt_at",
                table: "outbox");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "locked_until",
                table: "outbox",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "time_zone",
                table: "outbox",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_outbox_delivery_id_recipient_address_id",
                table: "outbox",
                columns: new[] { "delivery_id", "recipient_address", "id" },
                filter: "kind = 'webhook' AND status IN ('pending', 'sending')");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_next_attempt_at",
                table: "outbox",
                column: "next_attempt_at",
                filter: "status IN ('pending', 'sending')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_outbox_delivery_id_recipient_address_id",
                table: "outbox");

            migrationBuilder.DropIndex(
                name: "ix_outbox_next_attempt_at",
                table: "outbox");

            migrationBuilder.DropColumn(
                name: "locked_until",
                table: "outbox");

            migrationBuilder.DropColumn(
                name: "time_zone",
                table: "outbox");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_next_attempt_at",
                table: "outbox",
                column: "next_attempt_at",
                filter: "status = 'pending'");
        }
    }
}
