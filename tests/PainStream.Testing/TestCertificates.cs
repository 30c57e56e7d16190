// Copyright (c) PainStream contributors. Licensed under the MIT License.

using System.Diagnostics;

namespace PainStream.Testing;

/// <summary>
/// A throw-away certificate authority and a server and a client certificate signed by it, made with the real
/// <c>openssl</c> at test time (nothing committed, nothing downloaded): the server's names are <c>localhost</c> and
/// 127.0.0.1.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly TempDirectory _directory = new("painstream-tls-");

    private TestCertificates()
    {
    }

    /// <summary>Gets the CA certificate (PEM).</summary>
    public string CaFile => _directory.File("ca.pem");

    /// <summary>Gets the server certificate (PEM).</summary>
    public string ServerCertificateFile => _directory.File("server.pem");

    /// <summary>Gets the server key (PEM).</summary>
    public string ServerKeyFile => _directory.File("server.key");

    /// <summary>Gets the client certificate (PEM).</summary>
    public string ClientCertificateFile => _directory.File("client.pem");

    /// <summary>Gets the client key (PEM).</summary>
    public string ClientKeyFile => _directory.File("client.key");

    /// <summary>Gets a CA that signed nothing here (a broker certificate it does not vouch for must be refused).</summary>
    public string OtherCaFile => _directory.File("other-ca.pem");

    /// <summary>Makes the certificates.</summary>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The certificates.</returns>
    public static async Task<TestCertificates> CreateAsync(CancellationToken cancellationToken = default)
    {
        var certificates = new TestCertificates();
        try
        {
            var d = certificates._directory;
            await File.WriteAllTextAsync(d.File("server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n", cancellationToken);
            await File.WriteAllTextAsync(d.File("client.ext"), "extendedKeyUsage=clientAuth\n", cancellationToken);
            await OpenSslAsync(d.Path, cancellationToken, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=PainStream test CA");
            await OpenSslAsync(d.Path, cancellationToken, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.pem", "-days", "2", "-subj", "/CN=Some other CA");
            foreach (var name in new[] { "server", "client" })
            {
                await OpenSslAsync(d.Path, cancellationToken, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + (name == "server" ? "localhost" : "painstream-client"));
                await OpenSslAsync(d.Path, cancellationToken, "x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", name + ".pem", "-days", "2", "-extfile", name + ".ext");
            }

            return certificates;
        }
        catch
        {
            certificates.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _directory.Dispose();

    private static async Task OpenSslAsync(string directory, CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start openssl");
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        _ = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} failed ({process.ExitCode}): {await errors}");
        }
    }
}
