using Distill.Functions.Hosting;

// The Functions host starts this app (start.sh) and POSTs each invocation to /{FunctionName}: see README.md.
var builder = WebApplication.CreateBuilder(args);
builder.WebHost.UseCustomHandlerPort();
builder.AddDistillFunctions();

var app = builder.Build();
app.MapDistillFunctions();
await app.RunAsync().ConfigureAwait(false);
