using System.Diagnostics;

namespace Distill.Pipeline.Storage;

/// <summary>
/// The lock that serializes every change to a <see cref="FolderBlobStore"/> folder across threads and processes: an
/// exclusive open of one lock file (FileShare.None, which .NET implements with flock(LOCK_EX) on Unix and a sharing
/// mode on Windows), retried with a short back-off while another holder has it. The operating system releases it when
/// its holder exits or crashes, so a dead process never leaves the store locked. Holders keep it for a few file
/// operations only (content is streamed before the lock is taken), so waits are short; one that lasts longer than
/// the timeout means a holder is stuck and fails with <see cref="TimeoutException"/>.
/// </summary>
internal sealed class FolderStoreLock(string path, TimeSpan timeout) : IDisposable
{
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromMilliseconds(16);

    // Threads of this process queue here instead of spinning on the file.
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Path { get; } = path;

    public async Task<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var waited = Stopwatch.StartNew();
            var backoff = TimeSpan.FromMilliseconds(1);
            while (true)
            {
                IOException? busy;
                try
                {
                    var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.None);
                    return new Holder(file, _gate);
                }
                catch (IOException ex) when (ex.GetType() == typeof(IOException))
                {
                    // Held by another process (or an I/O error, which persists until the timeout reports it).
                    busy = ex;
                }
                if (waited.Elapsed > timeout)
                {
                    throw new TimeoutException($"the blob store lock {Path} has been held by another process for over {timeout.TotalSeconds:0} s", busy);
                }
                // Real time on purpose: this paces retries and does not decide anything the store's clock governs.
                await Task.Delay(backoff + TimeSpan.FromTicks(Random.Shared.Next((int)backoff.Ticks)), cancellationToken).ConfigureAwait(false);
                backoff = backoff * 2 < s_maxBackoff ? backoff * 2 : s_maxBackoff;
            }
        }
        catch
        {
            _gate.Release();
            throw;
        }
    }

    public void Dispose() => _gate.Dispose();

    private sealed class Holder(FileStream file, SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                file.Dispose();
                gate.Release();
            }
        }
    }
}
