using ServiceDelivery.Web.Studio;

namespace ServiceDelivery.Web.Tests;

public sealed class EditHistoryTests
{
    [Fact]
    public void Undo_and_redo_walk_back_and_forth_and_a_new_edit_ends_redo()
    {
        var history = new EditHistory();
        history.Record("a");   // a → b
        history.Record("b");   // b → c

        history.Undo("c").Should().Be("b");
        history.Undo("b").Should().Be("a");
        history.Undo("a").Should().BeNull();
        history.Redo("a").Should().Be("b");
        history.Record("b");   // b → d
        history.CanRedo.Should().BeFalse();
        history.Undo("d").Should().Be("b");
    }

    [Fact]
    public void Typing_is_one_step_until_another_kind_of_edit()
    {
        var history = new EditHistory();
        history.Record("x");
        history.Record("x1", typing: true);
        history.Record("x12", typing: true);
        history.Record("x123", typing: true);
        history.Record("x1234");

        history.Undo("x1234!").Should().Be("x1234");
        history.Undo("x1234").Should().Be("x1", "the typing run is one step");
        history.Undo("x1").Should().Be("x");
    }

    [Fact]
    public void History_keeps_a_bounded_number_of_steps()
    {
        var history = new EditHistory();
        for (var i = 0; i < EditHistory.Depth + 50; i++)
        {
            history.Record(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var steps = 0;
        var current = "now";
        while (history.Undo(current) is { } before)
        {
            current = before;
            steps++;
        }

        steps.Should().Be(EditHistory.Depth);
        current.Should().Be("50", "the oldest steps are the ones dropped");
    }
}
