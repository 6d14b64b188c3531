using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace ServiceDelivery.Engine.Execution;

/// <summary>
/// Collects at most a known number of items and hands them over as an <see cref="ImmutableArray{T}"/> without
/// a copy when full. Decide runs on every command; this keeps it near one allocation per collection.
/// </summary>
internal struct Buffer<T>
{
    private readonly T[] _items;
    private int _count;

    public Buffer(int capacity) => _items = capacity == 0 ? [] : new T[capacity];

    public readonly int Count => _count;

    public void Add(T item) => _items[_count++] = item;

    public void AddRange(ImmutableArray<T> items)
    {
        foreach (var item in items)
        {
            Add(item);
        }
    }

    public readonly ImmutableArray<T> ToImmutable() =>
        _count == 0 ? []
        : _count == _items.Length ? ImmutableCollectionsMarshal.AsImmutableArray(_items)
        : ImmutableArray.Create(_items, 0, _count);
}
