namespace Promoter.Renderer.Prometheus.Chart;

/// <summary>Colours of a chart. Light is the default: chat clients show images on light backgrounds mostly.</summary>
internal sealed record Theme(
    string Name,
    string Background,
    string Text,
    string SecondaryText,
    string Grid,
    string Axis,
    string Threshold,
    string BreachFill,
    double BreachOpacity,
    string FiringMarker,
    string ResolvedMarker,
    IReadOnlyList<string> Palette)
{
    // Grafana's classic series colours, darkened where they are too pale on white.
    public static Theme Light { get; } = new(
        "light", "#ffffff", "#1f2328", "#5c6670", "#e8ebee", "#c8ced5", "#d62d41", "#e02f44", 0.09, "#e02f44", "#2e8b3c",
        ["#3274d9", "#56a64b", "#ff780a", "#a352cc", "#14a5a5", "#c79a00", "#8f3bb8", "#e0752d"]);

    public static Theme Dark { get; } = new(
        "dark", "#181b1f", "#d8d9da", "#9fa7b3", "#2a2e33", "#3d434a", "#f2495c", "#f2495c", 0.13, "#f2495c", "#73bf69",
        ["#5794f2", "#73bf69", "#ff9830", "#b877d9", "#37c9c9", "#fade2a", "#ca95e5", "#ffb357"]);

    public static Theme ByName(string name) => string.Equals(name, "dark", StringComparison.OrdinalIgnoreCase) ? Dark : Light;
}
