using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Promoter.Testing.Channels;

/// <summary>Keeps every log line (message, exception and state values) so tests can assert on them.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _logs = new();

    public IReadOnlyList<CapturedLog> Logs => _logs.ToArray();

    /// <summary>All captured text, one entry per line, for "does any log contain X" checks.</summary>
    public string AllText => string.Join("\n", _logs.Select(l => l.ToString()));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> kvs
                ? string.Join(" ", kvs.Select(kv => $"{kv.Key}={kv.Value}"))
                : "";
            owner._logs.Enqueue(new CapturedLog(category, logLevel, formatter(state, exception), values, exception?.ToString()));
        }
    }
}

public sealed record CapturedLog(string Category, LogLevel Level, string Message, string StateValues, string? Exception)
{
    public override string ToString() => $"{Level} {Category}: {Message} [{StateValues}] {Exception}";
}
