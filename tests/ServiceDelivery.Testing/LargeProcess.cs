using System.Text.Json.Nodes;

namespace ServiceDelivery.Testing;

/// <summary>
/// A valid process much larger than the shipped one, for what the canvas must survive: a chain of stages with names
/// short and long in both languages, back edges, self-loops, a refund review every stage can reach, timers and
/// reminders, a completed and a closed end.
/// </summary>
public static class LargeProcess
{
    private static readonly (string Zh, string En)[] Names =
    [
        ("提交资料", "Submit documents"),
        ("核对资料与确认交付范围", "Verify the documents and confirm the delivery scope"),
        ("排期", "Scheduling"),
        ("环境准备", "Preparing the environment"),
        ("数据迁移实施中", "Migrating the data"),
        ("联调测试", "Integration testing"),
        ("等待买家确认测试结果", "Waiting for the buyer to confirm the test results"),
    ];

    /// <summary>The document, with <paramref name="stages"/> stages in all (at least 5).</summary>
    public static string Json(int stages = 30)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stages, 5);
        var chain = stages - 3; // then the refund review, completed and closed
        var stageList = new JsonArray();
        var actions = new JsonArray();
        string Key(int n) => $"step_{n:00}";

        for (var n = 1; n <= chain; n++)
        {
            var (zh, en) = Names[(n - 1) % Names.Length];
            var offered = new JsonArray();
            var next = n < chain ? Key(n + 1) : "done";
            var forward = $"finish_{n:00}";
            actions.Add(Action(forward, $"完成第 {n} 步", $"Finish step {n}", next, n % 2 == 0 ? "buyer" : "provider"));
            offered.Add(forward);
            if (n % 5 == 0 && n > 2)
            {
                var back = $"redo_{n:00}";
                actions.Add(Action(back, "退回重做", "Send back to redo", Key(n - 2), "buyer"));
                offered.Add(back);
            }

            if (n % 7 == 3)
            {
                var update = $"update_{n:00}";
                actions.Add(Action(update, "更新进度", "Post an update", "$stay", "provider"));
                offered.Add(update);
            }

            offered.Add("request_refund");
            var stage = new JsonObject
            {
                ["key"] = Key(n),
                ["name"] = Names2($"{zh} {n}", $"{en} {n}"),
                ["status"] = "active",
                ["assignees"] = new JsonArray(n % 2 == 0 ? "buyer" : "provider"),
                ["actions"] = offered,
            };
            if (n % 6 == 4)
            {
                stage["timers"] = new JsonArray(
                    new JsonObject { ["key"] = $"auto_{n:00}", ["after"] = "P10D", ["perform"] = forward },
                    new JsonObject
                    {
                        ["key"] = $"remind_{n:00}",
                        ["remind"] = $"auto_{n:00}",
                        ["before"] = "P2D",
                        ["notify"] = new JsonArray(new JsonObject { ["to"] = new JsonArray("buyer"), ["template"] = "acceptance_reminder" }),
                    });
            }

            stageList.Add(stage);
        }

        actions.Add(Action("request_refund", "申请退款", "Request a refund", "refund_review", "buyer"));
        actions.Add(Action("approve_refund", "同意退款", "Approve the refund", "closed", "platform"));
        actions.Add(Action("reject_refund", "驳回退款", "Reject the refund", "$return", "platform"));
        stageList.Add(new JsonObject
        {
            ["key"] = "refund_review",
            ["name"] = Names2("退款审核中", "Refund under review"),
            ["status"] = "paused",
            ["assignees"] = new JsonArray("platform"),
            ["actions"] = new JsonArray("approve_refund", "reject_refund"),
        });
        stageList.Add(new JsonObject { ["key"] = "done", ["name"] = Names2("已完成", "Completed"), ["status"] = "completed" });
        stageList.Add(new JsonObject { ["key"] = "closed", ["name"] = Names2("已关闭", "Closed"), ["status"] = "closed" });

        return new JsonObject
        {
            ["key"] = "large-process",
            ["name"] = Names2("大型交付流程", "Large delivery process"),
            ["initialStage"] = Key(1),
            ["stages"] = stageList,
            ["actions"] = actions,
            ["forms"] = new JsonArray(),
        }.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonObject Names2(string zh, string en) => new() { ["zh-CN"] = zh, ["en"] = en };

    private static JsonObject Action(string key, string zh, string en, string to, string role) =>
        new() { ["key"] = key, ["name"] = Names2(zh, en), ["roles"] = new JsonArray(role), ["to"] = to };
}
