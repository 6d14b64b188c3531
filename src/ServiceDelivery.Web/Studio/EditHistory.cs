namespace ServiceDelivery.Web.Studio;

/// <summary>
/// Undo and redo over whole document texts (a definition is small; whole texts cannot go out of step with the
/// document the way inverse operations can). Typing in the JSON tab is one step until another kind of edit or an
/// undo, not one step per key.
/// </summary>
public sealed class EditHistory
{
    public const int Depth = 200;

    private readonly LinkedList<string> _undo = new();
    private readonly Stack<string> _redo = new();
    private bool _typing;

    public bool CanUndo => _undo.Count > 0;

    public bool CanRedo => _redo.Count > 0;

    /// <summary>Remembers <paramref name="before"/>, the text an edit is about to replace; a new edit ends redo.</summary>
    public void Record(string before, bool typing = false)
    {
        ArgumentNullException.ThrowIfNull(before);
        if (!(typing && _typing))
        {
            _undo.AddLast(before);
            if (_undo.Count > Depth)
            {
                _undo.RemoveFirst();
            }
        }

        _typing = typing;
        _redo.Clear();
    }

    /// <summary>The text before the last edit (the <paramref name="current"/> text can be redone), or null.</summary>
    public string? Undo(string current)
    {
        if (_undo.Last is not { } last)
        {
            return null;
        }

        _undo.RemoveLast();
        _redo.Push(current);
        _typing = false;
        return last.Value;
    }

    /// <summary>The text the last undo replaced, or null.</summary>
    public string? Redo(string current)
    {
        if (!_redo.TryPop(out var next))
        {
            return null;
        }

        _undo.AddLast(current);
        _typing = false;
        return next;
    }

    public void Clear()
    {
        _undo.Clear();
        _redo.Clear();
        _typing = false;
    }
}
