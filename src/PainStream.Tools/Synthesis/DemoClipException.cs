// Copyright (c) PainStream contributors. Licensed under the MIT License.

namespace PainStream.Tools.Synthesis;

/// <summary>What went wrong while making a demo clip.</summary>
public enum DemoClipError
{
    /// <summary>Not set.</summary>
    None,

    /// <summary>The face image does not exist or cannot be read.</summary>
    ImageNotFound,

    /// <summary>The face image is not a picture OpenCV can decode.</summary>
    ImageUnreadable,

    /// <summary>No face was found in the image.</summary>
    NoFace,

    /// <summary>ffmpeg could not be started.</summary>
    EncoderUnavailable,

    /// <summary>ffmpeg failed while encoding, or the clip could not be moved into place.</summary>
    EncoderFailed,
}

/// <summary>A demo clip could not be made; <see cref="Error"/> says why and the message names the file.</summary>
public sealed class DemoClipException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="DemoClipException"/> class.</summary>
    public DemoClipException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DemoClipException"/> class.</summary>
    /// <param name="message">The message.</param>
    public DemoClipException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DemoClipException"/> class.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The underlying failure.</param>
    public DemoClipException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="DemoClipException"/> class.</summary>
    /// <param name="error">What went wrong.</param>
    /// <param name="message">The message, naming the file.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public DemoClipException(DemoClipError error, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
    }

    /// <summary>Gets what went wrong.</summary>
    public DemoClipError Error { get; }
}
