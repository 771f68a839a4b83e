using System.Net;
using System.Text;
using System.Text.Json;
using Distill.Contracts.Storage;
using Distill.Pipeline.Configuration;
using Distill.Pipeline.Handlers;
using Distill.Pipeline.Local;
using Distill.Pipeline.Messaging;
using Distill.Pipeline.Storage;
using Distill.Pipeline.Tests.Handlers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Distill.Functions.Tests;

/// <summary>
/// The Functions app in memory on a local store (a blob folder and a SQLite bus in a temporary folder), configured as an
/// app setting would configure it, on a fake clock; the test opens the same store to prepare uploads and look at the
/// effects. <see cref="InvokeAsync"/> POSTs an invocation as the host does.
/// </summary>
internal sealed class FunctionsApp : IAsyncDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "distill-functions-" + Guid.NewGuid().ToString("N"));
    private readonly WebApplicationFactory<Program> _factory;

    private FunctionsApp(Func<IMessageBus, IMessageBus>? wrapBus)
    {
        Directory.CreateDirectory(_root);
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting(DistillConfigurationKeys.StorageKind, nameof(StorageKind.Folder));
            builder.UseSetting(DistillConfigurationKeys.StorageFolder, Path.Combine(_root, LocalStore.BlobsFolderName));
            builder.UseSetting(DistillConfigurationKeys.BusKind, nameof(BusKind.Sqlite));
            builder.UseSetting(DistillConfigurationKeys.BusPath, Path.Combine(_root, LocalStore.BusFileName));
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<TimeProvider>(Time);
                if (wrapBus is not null)
                {
                    services.AddSingleton(provider =>
                    {
                        var context = AppContext(provider);
                        return new PipelineContext(context.Blobs, wrapBus(context.Bus), context.Time);
                    });
                }
            });
        });
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    /// <summary>The same store, opened by the test.</summary>
    public LocalStore Store { get; private set; } = null!;

    public PipelineContext Context { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>The app's services.</summary>
    public IServiceProvider Services => _factory.Services;

    public static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Starts the app; <paramref name="wrapBus"/> replaces the bus the handlers send through (to inject faults).</summary>
    public static async Task<FunctionsApp> StartAsync(Func<IMessageBus, IMessageBus>? wrapBus = null)
    {
        var app = new FunctionsApp(wrapBus);
        app.Store = await LocalStore.OpenAsync(app._root, app.Time, Cancel);
        app.Context = app.Store.CreateContext();
        app.Client = app._factory.CreateClient();
        return app;
    }

    /// <summary>POSTs <paramref name="invocation"/> to its function's route as the host does.</summary>
    public Task<HttpResponseMessage> InvokeAsync(HostInvocation invocation) => PostAsync(invocation.FunctionName, invocation.ToJson());

    public async Task<HttpResponseMessage> PostAsync(string functionName, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/" + functionName)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Azure-Functions-InvocationId", Guid.NewGuid().ToString());
        request.Headers.Add("X-Azure-Functions-HostVersion", "4.1040.300.0");
        request.Headers.UserAgent.ParseAdd("Azure-Functions-Host/4.1040.300.0");
        return await Client.SendAsync(request, Cancel);
    }

    /// <summary>Reads the host's view of a response: the status and the body's <c>Outputs</c>, <c>Logs</c> and <c>ReturnValue</c>.</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Outputs, string[] Logs, JsonElement ReturnValue)> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Cancel);
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        Assert.Equal(["Outputs", "Logs", "ReturnValue"], root.EnumerateObject().Select(p => p.Name));
        var logs = root.GetProperty("Logs").EnumerateArray().Select(l => l.GetString() ?? "").ToArray();
        return (response.StatusCode, root.GetProperty("Outputs").Clone(), logs, root.GetProperty("ReturnValue").Clone());
    }

    /// <summary>Writes an upload's files, the manifest last, as <c>distill submit</c> does.</summary>
    public async Task WriteUploadAsync(string uploadId, TestUpload upload)
    {
        foreach (var (path, bytes) in upload.Files.OrderBy(f => f.Key == BlobPaths.ManifestFileName))
        {
            await Store.Blobs.PutAsync(BlobPaths.UploadFile(uploadId, path).ToAddress(), new MemoryStream(bytes), null, Cancel);
        }
    }

    /// <summary>Receives and completes every visible message of an entity.</summary>
    public async Task<List<ReceivedBusMessage>> DrainAsync(string entityPath)
    {
        var messages = new List<ReceivedBusMessage>();
        while (await Store.Bus.ReceiveAsync(entityPath, TimeSpan.Zero, Cancel) is { } message)
        {
            messages.Add(message);
            await Store.Bus.CompleteAsync(message, Cancel);
        }
        return messages;
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        await _factory.DisposeAsync();
        if (Store is not null)
        {
            await Store.DisposeAsync();
        }
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere; the temporary folder is left behind.
        }
    }

    private static PipelineContext AppContext(IServiceProvider provider) =>
        provider.GetRequiredService<Hosting.PipelineConnectionService>().Connection.CreateContext();
}
