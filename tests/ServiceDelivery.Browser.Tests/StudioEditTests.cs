using Microsoft.Playwright;
using ServiceDelivery.Testing;

namespace ServiceDelivery.Browser.Tests;

/// <summary>Editing on the canvas and in the inspector: add, connect, undo/redo, timers, names, positions, autosave.</summary>
public sealed class StudioEditTests(HostProcess host, Browser browser) : IClassFixture<HostProcess>, IClassFixture<Browser>
{
    private static ILocator Stage(IPage page, string key) => page.Locator($"[data-testid=stage][data-stage={key}]:visible");

    private static ILocator Edge(IPage page, string action) => page.Locator($"[data-testid=edge][data-action={action}]:visible");

    [Fact]
    public async Task A_stage_added_on_the_canvas_is_a_dead_end_until_an_action_leads_out_and_undo_redo_walk_that_back()
    {
        var page = await browser.NewDraftAsync(host, "studio-edit-graph");

        await page.GetByTestId("add-stage-form").Locator("summary").ClickAsync();
        await page.GetByTestId("new-stage-key").FillAsync("reviewing");
        await page.GetByTestId("new-stage-name").FillAsync("待复核");
        await page.GetByTestId("new-stage-add").ClickAsync();
        await Stage(page, "reviewing").WaitForAsync();

        await Stage(page, "implementing").ClickAsync();
        await page.GetByTestId("inspector-title").GetByText("实施中").WaitForAsync();
        await Browser.AddActionAsync(page, "reviewing", "send_to_review", "送复核", "服务商");
        await Edge(page, "send_to_review").WaitForAsync();

        // In, but no way out: the validator says so, and the problem selects the stage.
        var deadEnd = page.GetByTestId("problems").GetByText("dead_end");
        await deadEnd.WaitForAsync();
        await deadEnd.ClickAsync();
        await page.GetByTestId("inspector-title").GetByText("待复核").WaitForAsync();
        (await Stage(page, "reviewing").GetAttributeAsync("class")).Should().Contain("selected");
        await Browser.ScreenshotAsync(page, "studio-2-dead-end");

        // The way out is dragged on the canvas, from 待复核's handle to 待验收: the action is drawn at once, named after
        // where it goes, and selected for the designer to name it. 待验收 may be out of sight: the canvas scrolls while
        // the line is held at its edge.
        await Browser.DragOnCanvasAsync(page, Stage(page, "reviewing").GetByTestId("connect-handle"), Stage(page, "accepting").Locator("rect"));
        await Edge(page, "reviewing_to_accepting").WaitForAsync();
        await page.GetByTestId("inspector-title").GetByText("到待验收").WaitForAsync();
        await page.GetByTestId("no-problems").WaitForAsync();
        await page.GetByTestId("action-key").FillAsync("finish_review");
        await page.GetByTestId("action-key").PressAsync("Tab");
        await Edge(page, "finish_review").WaitForAsync();
        await page.GetByTestId("action-name-zh").FillAsync("复核完成");
        await page.GetByTestId("action-name-zh").PressAsync("Tab");
        await Edge(page, "finish_review").Locator("[data-testid=edge-label]").GetByText("复核完成").WaitForAsync();

        // Ctrl+Z outside a text field undoes one edit at a time (the name, the key, the action); redo brings them back.
        await page.Locator("h5").ClickAsync();
        await page.Keyboard.PressAsync("Control+z");
        await Edge(page, "finish_review").Locator("[data-testid=edge-label]").GetByText("到待验收").WaitForAsync();
        await page.Keyboard.PressAsync("Control+z");
        await Edge(page, "reviewing_to_accepting").WaitForAsync();
        await page.Keyboard.PressAsync("Control+z");
        await Edge(page, "reviewing_to_accepting").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        await deadEnd.WaitForAsync();
        await page.GetByTestId("redo").ClickAsync();
        await Edge(page, "reviewing_to_accepting").WaitForAsync();
        await page.GetByTestId("redo").ClickAsync();
        await Edge(page, "finish_review").WaitForAsync();
        await page.GetByTestId("redo").ClickAsync();
        await Edge(page, "finish_review").Locator("[data-testid=edge-label]").GetByText("复核完成").WaitForAsync();
        await page.GetByTestId("no-problems").WaitForAsync();
        await Browser.ScreenshotAsync(page, "studio-2-connected");
    }

    [Fact]
    public async Task The_inspector_changes_the_timer_the_json_tab_renames_a_stage_a_drag_places_it_and_the_draft_saves_itself()
    {
        const string Key = "studio-edit-inspector";
        var page = await browser.NewDraftAsync(host, Key);

        await Stage(page, "accepting").ClickAsync();
        var after = page.Locator("[data-timer=auto_accept] input");
        (await after.InputValueAsync()).Should().Be("P15D");
        await after.FillAsync("P10D");
        await after.PressAsync("Tab");
        await Stage(page, "accepting").GetByTestId("timer-badge").GetByText("10 天 → 自动验收通过").WaitForAsync();
        await Browser.ScreenshotAsync(page, "studio-3-inspector");

        await Browser.OpenJsonAsync(page);
        var json = await Browser.JsonTextAsync(page);
        json.Should().Contain("\"after\": \"P10D\"");

        // The code editor knows the format: after the timer's duration it offers the timer's other properties.
        await page.EvaluateAsync(@"() => {
            const editor = window.blazorMonaco.editors.find(e => e.id === 'json-editor').editor;
            const match = editor.getModel().findMatches('""after"": ""P10D""', false, false, true, null, false)[0];
            editor.setPosition({ lineNumber: match.range.endLineNumber, column: match.range.endColumn });
            editor.focus();
        }");
        await page.Keyboard.PressAsync("End");
        await page.Keyboard.TypeAsync(",");
        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.PressAsync("Control+Space");
        var suggestions = page.Locator(".suggest-widget .monaco-list-row");
        await suggestions.First.WaitForAsync();
        (await suggestions.AllTextContentsAsync()).Should().BeEquivalentTo(["before", "remind"], "the schema offers the timer properties auto_accept does not have yet");
        await Browser.ScreenshotAsync(page, "studio-3-json-completion");
        await page.Keyboard.PressAsync("Escape");

        // Put the text back as it was before the half-typed property, then rename 实施中 by typing over it.
        await Browser.SetJsonTextAsync(page, json);
        await page.EvaluateAsync(@"() => {
            const editor = window.blazorMonaco.editors.find(e => e.id === 'json-editor').editor;
            const match = editor.getModel().findMatches('""zh-CN"": ""实施中""', false, false, true, null, false)[0];
            const r = match.range;
            editor.setSelection({ startLineNumber: r.startLineNumber, startColumn: r.endColumn - 4, endLineNumber: r.endLineNumber, endColumn: r.endColumn - 1 });
            editor.focus();
        }");
        await page.Keyboard.InsertTextAsync("实施进行中");
        await Browser.JsonContainsAsync(page, "\"zh-CN\": \"实施进行中\"");
        await Browser.OpenTabAsync(page, "画布", Stage(page, "implementing"));
        // The editor's text reaches the canvas through the circuit: wait for it rather than read once.
        await Assertions.Expect(Stage(page, "implementing").Locator(".node-name")).ToHaveTextAsync("实施进行中", new() { Timeout = 10_000 });

        // Drag 已关闭 down by 120 canvas units: the position is saved in the document.
        await Stage(page, "closed").Locator("rect").ScrollIntoViewIfNeededAsync();
        var box = (await Stage(page, "closed").Locator("rect").BoundingBoxAsync())!;
        var y = await Stage(page, "closed").Locator("rect").GetAttributeAsync("y");
        await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2 + 60, new() { Steps = 6 });
        await page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2 + 120, new() { Steps = 6 });
        await page.Mouse.UpAsync();
        await page.WaitForFunctionAsync("() => { const r = document.querySelector('[data-testid=stage][data-stage=closed] rect'); return r && +r.getAttribute('y') > " + y + " + 60; }");

        // Nobody pressed save: the draft saved itself a few seconds after the last change.
        await page.GetByTestId("draft-state").GetByText("草稿已保存").WaitForAsync();
        await using var check = TestDatabase.Context(host.ConnectionString);
        var draft = check.DefinitionDrafts.Single(d => d.Key == Key).Json;
        draft.Should().Contain("\"P10D\"").And.Contain("实施进行中").And.Contain("\"layout\"").And.Contain("\"closed\"");
        await Browser.ScreenshotAsync(page, "studio-3-placed");
    }
}
