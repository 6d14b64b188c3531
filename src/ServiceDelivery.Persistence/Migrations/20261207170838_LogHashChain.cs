using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace ServiceDelivery.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class LogHashChain : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "hash",
                table: "process_log",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "internal_salt",
                table: "process_log",
                type: "bytea",
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "log_head",
                table: "deliveries",
                type: "bytea",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "log_anchor_leaves",
                columns: table => new
                {
                    anchor_seq = table.Column<long>(type: "bigint", nullable: false),
                    leaf_index = table.Column<int>(type: "integer", nullable: false),
                    delivery_id = table.Column<Guid>(type: "uuid", nullable: false),
                    seq = table.Column<int>(type: "integer", nullable: false),
                    head = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_log_anchor_leaves", x => new { x.anchor_seq, x.leaf_index });
                });

            migrationBuilder.CreateTable(
                name: "log_anchors",
                columns: table => new
                {
                    seq = table.Column<long>(type: "bigint", nullable: false),
                    from = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    to = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    size = table.Column<long>(type: "bigint", nullable: false),
                    root = table.Column<byte[]>(type: "bytea", nullable: false),
                    previous_root = table.Column<byte[]>(type: "bytea", nullable: false),
                    chunk_roots = table.Column<byte[]>(type: "bytea", nullable: false),
                    key_id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    signature = table.Column<byte[]>(type: "bytea", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_by = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_log_anchors", x => x.seq);
                });

            migrationBuilder.CreateTable(
                name: "log_integrity_failures",
                columns: table => new
                {
                    delivery_id = table.Column<Guid>(type: "uuid", nullable: false),
                    first_broken_seq = table.Column<int>(type: "integer", nullable: true),
                    reason = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    checked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_log_integrity_failures", x => x.delivery_id);
                });

            migrationBuilder.CreateTable(
                name: "log_verification_runs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    from = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    through = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    @checked = table.Column<int>(name: "checked", type: "integer", nullable: false),
                    failed = table.Column<int>(type: "integer", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_log_verification_runs", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_process_log_at",
                table: "process_log",
                column: "at");

            migrationBuilder.CreateIndex(
                name: "ix_log_anchor_leaves_delivery_id_anchor_seq",
                table: "log_anchor_leaves",
                columns: new[] { "delivery_id", "anchor_seq" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "log_anchor_leaves");

            migrationBuilder.DropTable(
                name: "log_anchors");

            migrationBuilder.DropTable(
                name: "log_integrity_failures");

            migrationBuilder.DropTable(
                name: "log_verification_runs");

            migrationBuilder.DropIndex(
                name: "ix_process_log_at",
                table: "process_log");

            migrationBuilder.DropColumn(
                name: "hash",
                table: "process_log");

            migrationBuilder.DropColumn(
                name: "internal_salt",
                table: "process_log");

            migrationBuilder.DropColumn(
                name: "log_head",
                table: "deliveries");
        }
    }
}
