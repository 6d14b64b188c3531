using System.Text.Json.Nodes;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Tests.Support;
using ServiceDelivery.Engine.Validation;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Engine.Tests.Validation;

/// <summary>One broken definition per validation rule, each reporting the rule's code at the right JSON path.</summary>
public sealed class DefinitionValidationTests
{
    // Indices into the shipped document, named so the paths below read as what they point at.
    private const int RequirementPending = 0;
    private const int RequirementConfirming = 1;
    private const int Implementing = 3;
    private const int Accepting = 4;
    private const int Refunding = 5;
    private const int Completed = 6;
    private const int SubmitRequirement = 0;
    private const int RequestRefund = 8;

    private static IReadOnlyList<ValidationError> Broken(Action<JsonObject> breakIt)
    {
        var document = JsonNode.Parse(Shipped.DeliveryJson)!.AsObject();
        breakIt(document);
        return ProcessDefinitionLoader.Validate(document.ToJsonString());
    }

    private static JsonObject Stage(JsonObject d, int index) => d["stages"]![index]!.AsObject();

    private static JsonObject Action(JsonObject d, int index) => d["actions"]![index]!.AsObject();

    private static void ShouldReport(IReadOnlyList<ValidationError> errors, string code, string path)
    {
        errors.Should().Contain(e => e.Code == code && e.Path == path, $"expected {code} at {path}, got: {string.Join("; ", errors)}");
        errors.Should().OnlyContain(e => !string.IsNullOrWhiteSpace(e.Message.Get("en")) && !string.IsNullOrWhiteSpace(e.Message.Get("zh-CN")));
    }

    private static void ShouldReportOnly(IReadOnlyList<ValidationError> errors, string code, string path)
    {
        ShouldReport(errors, code, path);
        errors.Should().ContainSingle("a schema violation is reported once, without noise from schema branches that did match");
    }

    [Fact]
    public void The_shipped_definition_is_valid()
    {
        ProcessDefinitionLoader.Validate(Shipped.DeliveryJson).Should().BeEmpty();
    }

    [Fact]
    public void Malformed_json_is_reported_with_its_position()
    {
        var errors = ProcessDefinitionLoader.Validate("{ \"key\": \"x\", }");

        errors.Should().ContainSingle().Which.Should().Match<ValidationError>(e => e.Code == "malformed_json" && e.Path == "$");
        errors[0].Message.Get("en").Should().Contain("line 1");
    }

    [Fact]
    public void A_missing_required_property_is_a_schema_error_at_its_object() =>
        ShouldReportOnly(Broken(d => Stage(d, RequirementPending).Remove("status")), "schema_required", $"$.stages[{RequirementPending}]");

    [Fact]
    public void An_unknown_property_is_a_schema_error() =>
        ShouldReportOnly(Broken(d => Action(d, SubmitRequirement)["target"] = "x"), "schema_additionalProperties", $"$.actions[{SubmitRequirement}].target");

    [Fact]
    public void Saved_canvas_positions_are_allowed_and_change_nothing_the_engine_runs()
    {
        var document = JsonNode.Parse(Shipped.DeliveryJson)!.AsObject();
        document["layout"] = new JsonObject { ["implementing"] = new JsonObject { ["x"] = 420.5, ["y"] = 96 } };

        ProcessDefinitionLoader.Validate(document.ToJsonString()).Should().BeEmpty();
        ProcessDefinitionLoader.Load(document.ToJsonString()).IsValid.Should().BeTrue();
        DefinitionDiff.Compare(Shipped.DeliveryJson, document.ToJsonString()).Should().BeEmpty("positions are for people");
    }

    [Fact]
    public void A_position_without_both_coordinates_or_for_a_bad_key_is_a_schema_error()
    {
        ShouldReport(Broken(d => d["layout"] = new JsonObject { ["implementing"] = new JsonObject { ["x"] = 1 } }), "schema_required", "$.layout.implementing");
        Broken(d => d["layout"] = new JsonObject { ["Not A Key"] = new JsonObject { ["x"] = 1, ["y"] = 2 } }).Should().NotBeEmpty();
    }

    [Fact]
    public void A_duration_written_in_words_is_one_problem_at_the_duration_that_shows_how_to_write_it()
    {
        var errors = Broken(d => Stage(d, Accepting)["timers"]![0]!["after"] = "10 days");

        var problem = errors.Should().ContainSingle("the timer's shape is right; only its duration is wrong").Subject;
        problem.Path.Should().Be($"$.stages[{Accepting}].timers[0].after");
        problem.Message.Get("zh-CN").Should().Contain("阶段“待验收”").And.Contain("计时器“auto_accept”").And.Contain("到时时长").And.Contain("\"10 days\"").And.Contain("P10D 表示 10 天");
        problem.Message.Get("en").Should().Contain("Awaiting acceptance").And.Contain("P10D (10 days)");
    }

    [Fact]
    public void A_timer_without_its_action_is_told_what_it_misses_not_what_a_reminder_would_need()
    {
        var errors = Broken(d => Stage(d, Accepting)["timers"]![0]!.AsObject().Remove("perform"));

        var problem = errors.Should().ContainSingle().Subject;
        problem.Code.Should().Be("schema_required");
        problem.Message.Get("zh-CN").Should().Contain("缺少到时执行的动作（perform）").And.NotContain("remind");
    }

    [Fact]
    public void A_timer_that_is_also_a_reminder_is_told_to_choose()
    {
        var errors = Broken(d => Stage(d, Accepting)["timers"]![0]!["remind"] = "auto_accept");

        errors.Should().ContainSingle().Which.Code.Should().Be("schema_not");
        errors[0].Message.Get("zh-CN").Should().Contain("二选一");
    }

    public static TheoryData<string, string> SchemaBreaks => new()
    {
        { "stages.0.status=\"done\"", "可选" },
        { "stages.0.key=\"Bad Key\"", "例如 needs_review" },
        { "stages.0.name=5", "应该是对象" },
        { "stages.0.name={}", "至少写一种语言" },
        { "stages.0.name.english=\"x\"", "不是语言代码" },
        { "actions.0.roles=[]", "至少要有 1 项" },
        { "actions.0.target=\"x\"", "拼写错误" },
        { "forms.0.fields.0.type=\"blob\"", "\"text\"" },
        { "forms.0.fields.0.maxLength=-1", "不能小于 1" },
        { "forms.0.fields.0.key=\"Contact phone\"", "camelCase" },
        { "stages.4.timers.1.before=\"3d\"", "P10D 表示 10 天" },
        { "layout={\"implementing\":{\"x\":1}}", "纵坐标（y）" },
    };

    [Theory]
    [MemberData(nameof(SchemaBreaks))]
    public void Every_schema_problem_reads_as_words_naming_the_element_and_what_is_expected(string change, string expected)
    {
        var (path, value) = (change[..change.IndexOf('=', StringComparison.Ordinal)], change[(change.IndexOf('=', StringComparison.Ordinal) + 1)..]);
        var errors = Broken(d =>
        {
            var parts = path.Split('.');
            JsonNode at = d;
            foreach (var part in parts[..^1])
            {
                at = int.TryParse(part, out var i) ? at[i]! : at[part]!;
            }

            at[parts[^1]] = JsonNode.Parse(value);
        });

        var problem = errors.Should().ContainSingle($"one change, one problem: {string.Join("; ", errors)}").Subject;
        problem.Code.Should().StartWith("schema_");
        var zh = problem.Message.Get("zh-CN");
        zh.Should().Contain(expected);
        foreach (var raw in new[] { "Required properties", "should match", "regular expression", "JSON Schema", "Value is" })
        {
            zh.Should().NotContain(raw);
            problem.Message.Get("en").Should().NotContain(raw);
        }
    }

    [Fact]
    public void An_unknown_role_is_reported_at_the_role() =>
        ShouldReportOnly(Broken(d => Action(d, SubmitRequirement)["roles"]![0] = "admin"), "schema_enum", $"$.actions[{SubmitRequirement}].roles[0]");

    [Fact]
    public void An_unknown_guard_is_reported_at_the_guard() =>
        ShouldReportOnly(Broken(d => Action(d, RequestRefund)["guards"]![0] = "invoice_paid"), "schema_enum", $"$.actions[{RequestRefund}].guards[0]");

    [Fact]
    public void An_unknown_initial_stage_is_reported() =>
        ShouldReport(Broken(d => d["initialStage"] = "draft"), "unknown_initial_stage", "$.initialStage");

    [Fact]
    public void A_paused_initial_stage_is_reported() =>
        ShouldReport(Broken(d => d["initialStage"] = "refunding"), "initial_stage_not_active", "$.initialStage");

    [Fact]
    public void An_unknown_target_stage_is_reported() =>
        ShouldReport(Broken(d => Action(d, SubmitRequirement)["to"] = "requirement_review"), "unknown_target_stage", $"$.actions[{SubmitRequirement}].to");

    [Fact]
    public void An_unreachable_stage_is_reported()
    {
        var errors = Broken(d => d["stages"]!.AsArray().Add(JsonNode.Parse("""{ "key": "archived", "name": { "zh-CN": "已归档" }, "status": "closed" }""")));

        ShouldReport(errors, "unreachable_stage", "$.stages[9]");
    }

    [Fact]
    public void A_non_terminal_stage_with_no_way_out_is_reported() =>
        ShouldReport(Broken(d => Stage(d, Implementing)["actions"] = new JsonArray("post_progress")), "dead_end", $"$.stages[{Implementing}]");

    [Fact]
    public void Problems_between_stages_and_actions_name_them_as_the_canvas_does_with_the_key_after()
    {
        var deadEnd = Broken(d => Stage(d, Implementing)["actions"] = new JsonArray("post_progress")).Single(e => e.Code == "dead_end");
        var assignee = Broken(d => Stage(d, Implementing)["assignees"]!.AsArray().Add("buyer")).Single(e => e.Code == "assignee_without_action");

        deadEnd.Message.Get("zh-CN").Should().Contain("阶段“实施中”（implementing）").And.NotContain("'implementing'");
        deadEnd.Message.Get("en").Should().Contain("“Provider implementing” (implementing)");
        assignee.Message.Get("zh-CN").Should().Contain("阶段“实施中”（implementing）给买家待办");
        assignee.Message.Get("en").Should().Contain("gives the buyer a task").And.NotContain("role 'buyer'");
    }

    [Fact]
    public void An_action_no_stage_offers_is_reported() =>
        ShouldReport(Broken(d => Stage(d, RequirementConfirming)["actions"] = new JsonArray("confirm_requirement", "reject_requirement", "request_refund")),
            "unused_action", "$.actions[1]");

    [Fact]
    public void A_stage_offering_an_undefined_action_is_reported() =>
        ShouldReport(Broken(d => Stage(d, Implementing)["actions"]!.AsArray().Add("pause_work")), "unknown_action", $"$.stages[{Implementing}].actions[2]");

    [Fact]
    public void An_unknown_form_is_reported() =>
        ShouldReport(Broken(d => Action(d, SubmitRequirement)["form"] = "requirement_v2"), "unknown_form", $"$.actions[{SubmitRequirement}].form");

    [Fact]
    public void An_unknown_template_is_reported() =>
        ShouldReport(Broken(d => Action(d, SubmitRequirement)["notify"]![0]!["template"] = "requirement_sms"),
            "unknown_template", $"$.actions[{SubmitRequirement}].notify[0].template");

    [Fact]
    public void An_unknown_template_on_stage_entry_or_tickets_is_reported()
    {
        var errors = Broken(d =>
        {
            Stage(d, Implementing)["onEnter"] = JsonNode.Parse("""{ "notify": [{ "to": ["buyer"], "template": "work_started_sms" }] }""");
            d["onTicket"]!["resolved"]!["notify"]![0]!["template"] = "ticket_closed_sms";
        });

        ShouldReport(errors, "unknown_template", $"$.stages[{Implementing}].onEnter.notify[0].template");
        ShouldReport(errors, "unknown_template", "$.onTicket.resolved.notify[0].template");
    }

    [Fact]
    public void Templates_are_checked_against_the_catalog_the_caller_knows()
    {
        var errors = ProcessDefinitionLoader.Validate(Shipped.DeliveryJson, new HashSet<string>(NotificationTemplates.Known.Except(["auto_accepted"])));

        ShouldReport(errors, "unknown_template", $"$.stages[{Accepting}].timers[0].notify[0].template");
    }

    [Fact]
    public void A_duplicate_stage_key_is_reported() =>
        ShouldReport(Broken(d => Stage(d, RequirementConfirming)["key"] = "requirement_pending"), "duplicate_key", $"$.stages[{RequirementConfirming}].key");

    [Fact]
    public void A_duplicate_action_key_is_reported() =>
        ShouldReport(Broken(d => Action(d, 1)["key"] = "submit_requirement"), "duplicate_key", "$.actions[1].key");

    [Fact]
    public void A_duplicate_timer_key_is_reported() =>
        ShouldReport(Broken(d => Stage(d, Accepting)["timers"]![2]!["key"] = "acceptance_reminder_3d"), "duplicate_key", $"$.stages[{Accepting}].timers[2].key");

    [Fact]
    public void A_duplicate_field_key_is_reported() =>
        ShouldReport(Broken(d => d["forms"]![7]!["fields"]![1]!["key"] = "reasonCode"), "duplicate_key", "$.forms[7].fields[1].key");

    [Fact]
    public void A_missing_chinese_name_is_reported() =>
        ShouldReport(Broken(d => Stage(d, Accepting)["name"] = new JsonObject { ["en"] = "Awaiting acceptance" }), "missing_zh_cn", $"$.stages[{Accepting}].name");

    [Theory]
    [InlineData("PT0S", "non_positive_duration")]
    [InlineData("P15X", "invalid_duration")]
    [InlineData("P1M", "invalid_duration")]
    [InlineData("P", "invalid_duration")]
    public void A_bad_timer_duration_is_reported(string duration, string code) =>
        ShouldReport(Broken(d => Stage(d, Accepting)["timers"]![0]!["after"] = duration), code, $"$.stages[{Accepting}].timers[0].after");

    [Fact]
    public void A_reminder_not_shorter_than_its_timer_is_reported() =>
        ShouldReport(Broken(d => Stage(d, Accepting)["timers"]![1]!["before"] = "P15D"), "reminder_not_before_timer", $"$.stages[{Accepting}].timers[1].before");

    [Fact]
    public void A_reminder_of_an_unknown_timer_is_reported() =>
        ShouldReport(Broken(d => Stage(d, Accepting)["timers"]![1]!["remind"] = "auto_close"), "unknown_timer", $"$.stages[{Accepting}].timers[1].remind");

    [Fact]
    public void A_timer_firing_an_action_its_stage_lacks_is_reported() =>
        ShouldReport(Broken(d => Stage(d, Accepting)["timers"]![0]!["perform"] = "submit_for_acceptance"),
            "timer_action_not_in_stage", $"$.stages[{Accepting}].timers[0].perform");

    [Fact]
    public void A_timer_performing_an_action_with_required_input_is_reported() =>
        ShouldReport(Broken(d => Stage(d, Accepting)["timers"]![0]!["perform"] = "reject_delivery"),
            "timer_action_requires_input", $"$.stages[{Accepting}].timers[0].perform");

    [Fact]
    public void Returning_from_a_stage_that_is_not_paused_is_reported() =>
        ShouldReport(Broken(d => Stage(d, Implementing)["actions"]!.AsArray().Add("reject_refund")),
            "return_outside_paused_stage", $"$.stages[{Implementing}].actions[2]");

    [Fact]
    public void A_party_action_in_a_paused_stage_is_reported() =>
        ShouldReport(Broken(d => Stage(d, Refunding)["actions"]!.AsArray().Add("request_refund")),
            "party_action_in_paused_stage", $"$.stages[{Refunding}].actions[2]");

    [Fact]
    public void An_assignee_who_cannot_act_is_reported() =>
        ShouldReport(Broken(d => Stage(d, Implementing)["assignees"]!.AsArray().Add("buyer")),
            "assignee_without_action", $"$.stages[{Implementing}].assignees[1]");

    [Fact]
    public void A_terminal_stage_with_actions_is_reported() =>
        ShouldReport(Broken(d => Stage(d, Completed)["actions"] = new JsonArray("accept")), "terminal_stage_not_empty", $"$.stages[{Completed}]");

    [Fact]
    public void A_text_field_without_a_length_limit_is_reported() =>
        ShouldReport(Broken(d => d["forms"]![0]!["fields"]![0]!.AsObject().Remove("maxLength")), "missing_max_length", "$.forms[0].fields[0]");

    [Fact]
    public void A_choice_field_without_values_is_reported() =>
        ShouldReport(Broken(d => d["forms"]![7]!["fields"]![0]!.AsObject().Remove("values")), "missing_values", "$.forms[7].fields[0]");

    [Fact]
    public void An_intervention_leading_to_a_stage_of_the_wrong_status_is_reported() =>
        ShouldReport(Broken(d => d["interventions"]!["close"]!["to"] = "completed"), "intervention_target_status", "$.interventions.close.to");

    [Fact]
    public void A_move_intervention_with_a_fixed_target_is_reported() =>
        ShouldReport(Broken(d => d["interventions"]!["move"]!["to"] = "closed"), "move_has_target", "$.interventions.move.to");

    [Fact]
    public void Reserved_action_keys_are_reported() =>
        ShouldReport(Broken(d => Action(d, SubmitRequirement)["key"] = "start"), "reserved_key", $"$.actions[{SubmitRequirement}].key");

    [Fact]
    public void Every_file_in_workflows_validates()
    {
        var files = Directory.GetFiles(Shipped.Folder, "*.json").Where(f => !f.EndsWith(".schema.json", StringComparison.Ordinal)).ToList();

        files.Should().NotBeEmpty();
        foreach (var file in files)
        {
            ProcessDefinitionLoader.Validate(File.ReadAllText(file)).Should().BeEmpty(Path.GetFileName(file));
        }
    }

    [Fact]
    public void The_example_in_the_process_definition_docs_is_a_valid_definition()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "process-definitions.md"));
        var start = readme.IndexOf("```json", StringComparison.Ordinal) + "```json".Length;
        var example = readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];

        ProcessDefinitionLoader.Validate(example).Should().BeEmpty();
    }

    [Fact]
    public void The_embedded_schema_is_the_schema_shipped_in_workflows()
    {
        SchemaValidator.SchemaText.Should().Be(File.ReadAllText(Path.Combine(Shipped.Folder, "process-definition.schema.json")));
    }
}
