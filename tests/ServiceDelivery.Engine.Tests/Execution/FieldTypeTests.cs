using System.Text.Json.Nodes;
using ServiceDelivery.Engine.Definitions;
using ServiceDelivery.Engine.Execution;
using ServiceDelivery.Engine.Tests.Support;
using static ServiceDelivery.Engine.Tests.Support.Scenario;

namespace ServiceDelivery.Engine.Tests.Execution;

/// <summary>The field types a real requirement form needs: each takes exactly the strings it says it takes.</summary>
public sealed class FieldTypeTests
{
    /// <summary>The shipped process with a requirement form a designer extended by one field of each type.</summary>
    private static readonly Lazy<ProcessDefinition> Extended = new(() =>
    {
        var root = JsonNode.Parse(Shipped.DeliveryJson)!.AsObject();
        var form = root["forms"]!.AsArray().First(f => (string?)f!["key"] == "requirement")!["fields"]!.AsArray();
        form.Add(JsonNode.Parse("""{ "key": "budget", "name": { "zh-CN": "预算", "en": "Budget" }, "type": "number", "min": 0, "max": 100000 }"""));
        form.Add(JsonNode.Parse("""{ "key": "startOn", "name": { "zh-CN": "开始日期", "en": "Start on" }, "type": "date" }"""));
        form.Add(JsonNode.Parse("""{ "key": "agree", "name": { "zh-CN": "同意服务条款", "en": "Terms accepted" }, "type": "boolean", "required": true }"""));
        form.Add(JsonNode.Parse("""{ "key": "contact", "name": { "zh-CN": "联系邮箱", "en": "Contact" }, "type": "email" }"""));
        form.Add(JsonNode.Parse("""{ "key": "repository", "name": { "zh-CN": "代码仓库", "en": "Repository" }, "type": "url" }"""));
        form.Add(JsonNode.Parse("""{ "key": "title", "name": { "zh-CN": "标题", "en": "Title" }, "type": "text", "maxLength": 20, "singleLine": true }"""));
        return ProcessDefinitionLoader.LoadValid(root.ToJsonString());
    });

    private static Outcome Submit(params (string Key, string Value)[] fields) =>
        Start(definition: Extended.Value).Try(Buyer, "submit_requirement", FormData.Of([("description", "需求"), ("agree", "true"), .. fields]));

    private static FieldError Error(params (string Key, string Value)[] fields) =>
        Submit(fields).Should().BeOfType<Rejection>().Which.Errors.Should().ContainSingle().Subject;

    [Fact]
    public void Valid_values_of_every_type_are_taken_and_logged_as_sent()
    {
        var decision = Submit(("budget", "-0"), ("startOn", "2026-12-31"), ("contact", "li.si@example.com"), ("repository", "https://git.example.com/a/b"), ("title", "迁移 MySQL"))
            .Should().BeOfType<Decision>().Subject;
        decision.Log!.Data.Should().Contain("startOn", "2026-12-31").And.Contain("budget", "-0");
        Submit(("budget", "100000")).Should().BeOfType<Decision>();
        Submit(("budget", "0.5")).Should().BeOfType<Decision>();
    }

    [Theory]
    [InlineData("12abc")]
    [InlineData("1,000")]
    [InlineData("1e3")]
    [InlineData("Infinity")]
    public void A_number_field_takes_plain_decimals_only(string value) =>
        Error(("budget", value)).Should().Be(new FieldError("budget", FieldErrorCode.NotANumber));

    [Theory]
    [InlineData("-0.01")]
    [InlineData("100000.01")]
    public void A_number_outside_min_and_max_is_out_of_range(string value) =>
        Error(("budget", value)).Should().Be(new FieldError("budget", FieldErrorCode.OutOfRange));

    [Theory]
    [InlineData("2026-02-30")]
    [InlineData("2026/12/31")]
    [InlineData("31.12.2026")]
    [InlineData("2026-12-31T00:00")]
    public void A_date_field_takes_real_calendar_dates_as_yyyy_mm_dd(string value) =>
        Error(("startOn", value)).Should().Be(new FieldError("startOn", FieldErrorCode.NotADate));

    [Fact]
    public void A_required_box_must_be_ticked_and_a_box_takes_only_true_or_false()
    {
        Start(definition: Extended.Value).Try(Buyer, "submit_requirement", FormData.Of(("description", "需求"), ("agree", "false")))
            .Should().BeOfType<Rejection>().Which.Errors.Should().Equal(new FieldError("agree", FieldErrorCode.Required));
        Start(definition: Extended.Value).Try(Buyer, "submit_requirement", FormData.Of(("description", "需求"), ("agree", "yes")))
            .Should().BeOfType<Rejection>().Which.Errors.Should().Equal(new FieldError("agree", FieldErrorCode.NotABoolean));
    }

    [Theory]
    [InlineData("li.si")]
    [InlineData("li si@example.com")]
    [InlineData("a@b@example.com")]
    [InlineData("li@localhost")]
    [InlineData("张三 <li@example.com>")]
    public void An_email_field_takes_one_plain_address(string value) =>
        Error(("contact", value)).Should().Be(new FieldError("contact", FieldErrorCode.NotAnEmail));

    [Theory]
    [InlineData("git.example.com/a")]
    [InlineData("javascript:alert(1)")]
    [InlineData("ftp://example.com/a")]
    [InlineData("https://exa mple.com")]
    public void A_url_field_takes_absolute_http_addresses_only(string value) =>
        Error(("repository", value)).Should().Be(new FieldError("repository", FieldErrorCode.NotAUrl));

    [Fact]
    public void Email_and_url_fields_have_a_length_limit_even_when_the_designer_sets_none()
    {
        Extended.Value.Forms.First(f => f.Key == "requirement").Field("contact")!.MaxLength.Should().Be(FieldTypes.EmailMaxLength);
        Error(("repository", "https://example.com/" + new string('a', FieldTypes.UrlMaxLength))).Code.Should().Be(FieldErrorCode.TooLong);
    }

    [Fact]
    public void A_single_line_text_field_keeps_its_length_limit() =>
        Error(("title", new string('题', 21))).Should().Be(new FieldError("title", FieldErrorCode.TooLong, 20));

    [Theory]
    [InlineData("""{ "key": "n", "type": "number", "min": 5, "max": 1 }""", "min_above_max")]
    [InlineData("""{ "key": "n", "type": "date", "min": 1 }""", "range_on_non_number")]
    [InlineData("""{ "key": "n", "type": "choice", "singleLine": true, "values": [{ "key": "a", "name": { "zh-CN": "甲" } }] }""", "single_line_on_non_text")]
    [InlineData("""{ "key": "n", "type": "email", "values": [{ "key": "a", "name": { "zh-CN": "甲" } }] }""", "values_on_text_field")]
    public void A_definition_whose_field_settings_contradict_its_type_is_refused(string field, string code)
    {
        var root = JsonNode.Parse(Shipped.DeliveryJson)!.AsObject();
        root["forms"]!.AsArray().First(f => (string?)f!["key"] == "requirement")!["fields"]!.AsArray().Add(JsonNode.Parse(field));
        ProcessDefinitionLoader.Validate(root.ToJsonString()).Select(e => e.Code).Should().Contain(code);
    }

    [Fact]
    public void The_schema_knows_every_field_type_the_engine_implements()
    {
        foreach (var type in Enum.GetValues<FieldType>())
        {
            var root = JsonNode.Parse(Shipped.DeliveryJson)!.AsObject();
            var field = new JsonObject { ["key"] = "extra", ["type"] = type.ToKey() };
            if (type == FieldType.Text)
            {
                field["maxLength"] = 10;
            }
            else if (type == FieldType.Choice)
            {
                field["values"] = JsonNode.Parse("""[{ "key": "a", "name": { "zh-CN": "甲" } }]""");
            }

            root["forms"]!.AsArray().First(f => (string?)f!["key"] == "requirement")!["fields"]!.AsArray().Add(field);
            ProcessDefinitionLoader.Validate(root.ToJsonString()).Should().BeEmpty(type.ToKey());
        }
    }
}
