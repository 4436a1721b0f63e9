// These tests drive a real nginx and check Unix file modes: they run on Linux (Debian, like CI).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
