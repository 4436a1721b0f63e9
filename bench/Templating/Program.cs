using System.Diagnostics;
using Promoter.Templating;
using Promoter.Templating.Alertmanager;

// Renders the default DingTalk template (seed 000: Promoter's default.tmpl, with images) for a 10-alert
// group, parsed once, rendered many times; prints the per-render latency distribution.
var root = FindRoot();
var templatePath = Path.Combine(root, "tests", "testdata", "templates", "globs", "seed000-promoter-default.tmpl");
var dataPath = Path.Combine(root, "tests", "testdata", "templates", "data", "ten-alerts.json");

var set = DefaultTemplates.CreateSet(FunctionProfile.DingTalk);
set.Parse(Path.GetFileName(templatePath), File.ReadAllText(templatePath));
var data = TemplateData.FromWebhookJson(File.ReadAllText(dataPath));

string Render() => set.Execute("default.title", data) + "\n" + set.Execute("default.content", data);

var sample = Render();
Console.WriteLine($"output: {sample.Length} chars, {data.Alerts.Count} alerts ({data.Alerts.Firing().Count} firing), images per alert: {data.Alerts[0].Images.Count}");

// Warm-up lets tiered JIT settle before measuring.
for (var i = 0; i < 20_000; i++)
{
    Render();
}

const int Rounds = 30;
const int PerRound = 2_000;
var perRender = new List<double>(Rounds * PerRound);
var sw = new Stopwatch();
for (var r = 0; r < Rounds; r++)
{
    for (var i = 0; i < PerRound; i++)
    {
        sw.Restart();
        Render();
        sw.Stop();
        perRender.Add(sw.Elapsed.TotalMicroseconds);
    }
}

perRender.Sort();
double Pct(double p) => perRender[(int)Math.Min(perRender.Count - 1, Math.Round(p * (perRender.Count - 1)))];
var total = Stopwatch.StartNew();
for (var i = 0; i < 10_000; i++)
{
    Render();
}

total.Stop();
var parse = Stopwatch.StartNew();
for (var i = 0; i < 200; i++)
{
    var s = DefaultTemplates.CreateSet(FunctionProfile.DingTalk);
    s.Parse("seed.tmpl", File.ReadAllText(templatePath));
}

parse.Stop();
Console.WriteLine($"render (title + content), µs: p50 {Pct(0.50):F1}  p90 {Pct(0.90):F1}  p99 {Pct(0.99):F1}  max {perRender[^1]:F1}");
Console.WriteLine($"throughput: {10_000 / total.Elapsed.TotalSeconds:F0} renders/s on one thread");
Console.WriteLine($"parse (defaults + seed template): {parse.Elapsed.TotalMicroseconds / 200:F0} µs per set; render p50 / parse = {Pct(0.5) / (parse.Elapsed.TotalMicroseconds / 200):P1}");
Console.WriteLine(Pct(0.50) <= 200 ? "target (≤ 200 µs a render) met" : "target (≤ 200 µs a render) NOT met");

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Promoter.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("run from inside the repository");
}
