// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Vision.Landmarks;

/// <summary>
/// Reads dlib's portable serialisation (<c>dlib/serialize.h</c>) from a byte span: variable-length integers with a control
/// byte and floats as a (mantissa, exponent) pair of such integers.
/// </summary>
/// <remarks>
/// Integers: one control byte whose low 4 bits give the number of little-endian magnitude bytes that follow (1–8) and
/// whose bit 0x80 marks a negative signed value. Floats (<c>float_details</c>): an int64 mantissa then an int16 exponent,
/// value = ldexp(mantissa, exponent); exponents 32000/32001/32002 mean +inf/−inf/NaN. dlib's old ASCII float format
/// (first byte with any of the bits 0x70 set) is not supported: the model has never been written that way.
/// </remarks>
internal ref struct DlibReader
{
    private const short IsInf = 32000;
    private const short IsNegInf = 32001;
    private const short IsNaN = 32002;

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public DlibReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _data.Length - _position;

    /// <summary>Reads a signed integer of at most <paramref name="maxBytes"/> magnitude bytes.</summary>
    public long ReadSigned(int maxBytes)
    {
        var control = ReadByte();
        var size = control & 0x0F;
        if (size == 0 || size > maxBytes)
        {
            throw Error($"invalid integer control byte 0x{control:x2}");
        }

        var magnitude = ReadMagnitude(size);
        return (control & 0x80) != 0 ? -(long)magnitude : (long)magnitude;
    }

    /// <summary>Reads an unsigned integer of at most <paramref name="maxBytes"/> magnitude bytes.</summary>
    public ulong ReadUnsigned(int maxBytes)
    {
        // dlib masks out the three reserved bits 0x70 and rejects the sign bit for unsigned types.
        var control = ReadByte();
        var size = control & 0x8F;
        if (size == 0 || size > maxBytes)
        {
            throw Error($"invalid unsigned integer control byte 0x{control:x2}");
        }

        return ReadMagnitude(size);
    }

    /// <summary>Reads an <c>int</c> (dlib's 4-byte signed integer).</summary>
    public int ReadInt32() => checked((int)ReadSigned(4));

    /// <summary>Reads an <c>unsigned long</c> that must fit in an <see cref="int"/> (a count or an index).</summary>
    public int ReadCount(string what)
    {
        var value = ReadUnsigned(8);
        return value <= int.MaxValue ? (int)value : throw Error($"{what} {value} is too large");
    }

    /// <summary>Reads a <c>long</c> (dlib's matrix dimensions).</summary>
    public long ReadInt64() => ReadSigned(8);

    /// <summary>Reads a float serialised as <c>float_details</c>.</summary>
    public float ReadSingle()
    {
        if (Remaining > 0 && (_data[_position] & 0x70) != 0)
        {
            throw Error("old ASCII float format");
        }

        var mantissa = ReadSigned(8);
        var exponent = ReadSigned(2);
        return exponent switch
        {
            < IsInf => float.ScaleB(mantissa, (int)exponent),
            IsInf => float.PositiveInfinity,
            IsNegInf => float.NegativeInfinity,
            _ => float.NaN,
        };
    }

    private byte ReadByte()
    {
        if (_position >= _data.Length)
        {
            throw Error("unexpected end of file");
        }

        return _data[_position++];
    }

    private ulong ReadMagnitude(int size)
    {
        if (Remaining < size)
        {
            _position = _data.Length;
            throw Error("unexpected end of file");
        }

        ulong value = 0;
        for (var i = size - 1; i >= 0; i--)
        {
            value = (value << 8) | _data[_position + i];
        }

        _position += size;
        return value;
    }

    private readonly InvalidDataException Error(string what) => new($"{what} at byte offset {_position}");
}
