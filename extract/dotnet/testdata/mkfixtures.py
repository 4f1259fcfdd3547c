# Writes the hand-made .NET fixtures (no dotnet SDK on the build machine).
# Shapes follow what the .NET 6/8 SDK writes; package names, versions and
# assembly/file versions are real; sha512/contentHash values are
# placeholders derived from the name (the real hashes are not known here).
import base64, hashlib, json

def h(s):
    return base64.b64encode(hashlib.sha512(s.encode()).digest()).decode()

def lib(name, version, typ="package"):
    if typ == "project":
        return {"type": "project", "serviceable": False, "sha512": ""}
    if typ == "runtimepack":
        return {"type": "runtimepack", "serviceable": False, "sha512": ""}
    low = name.lower()
    return {"type": "package", "serviceable": True, "sha512": "sha512-" + h(name + "/" + version),
            "path": "%s/%s" % (low, version), "hashPath": "%s.%s.nupkg.sha512" % (low, version)}

def rt(path, asm, filev):
    return {path: {"assemblyVersion": asm, "fileVersion": filev}}

# OrderService: a framework-dependent ASP.NET Core app on .NET 6 with a
# project reference (OrderService.Data) that brings Dapper and SqlClient.
tfm = ".NETCoreApp,Version=v6.0"
targets = {
  "OrderService/1.0.0": {"dependencies": {
      "Newtonsoft.Json": "12.0.3", "OrderService.Data": "1.0.0", "Serilog": "2.10.0",
      "Serilog.Sinks.Console": "4.0.1", "System.Text.Json": "6.0.0"},
    "runtime": {"OrderService.dll": {}}},
  "Dapper/2.0.123": {"runtime": rt("lib/net5.0/Dapper.dll", "2.0.0.0", "2.0.123.33578")},
  "Microsoft.Data.SqlClient.SNI.runtime/2.1.1": {"runtimeTargets": {
      "runtimes/win-x64/native/Microsoft.Data.SqlClient.SNI.dll": {"rid": "win-x64", "assetType": "native", "fileVersion": "2.1.1.0"}}},
  "Microsoft.Win32.Registry/4.7.0": {"dependencies": {
      "System.Security.AccessControl": "4.7.0", "System.Security.Principal.Windows": "4.7.0"}},
  "Newtonsoft.Json/12.0.3": {"runtime": rt("lib/netstandard2.0/Newtonsoft.Json.dll", "12.0.0.0", "12.0.3.23909")},
  "Serilog/2.10.0": {"runtime": rt("lib/netstandard2.1/Serilog.dll", "2.0.0.0", "2.10.0.0")},
  "Serilog.Sinks.Console/4.0.1": {"dependencies": {"Serilog": "2.10.0"},
    "runtime": rt("lib/net5.0/Serilog.Sinks.Console.dll", "4.0.1.0", "4.0.1.0")},
  "System.Data.SqlClient/4.8.5": {"dependencies": {
      "Microsoft.Win32.Registry": "4.7.0", "System.Security.Principal.Windows": "4.7.0",
      "runtime.native.System.Data.SqlClient.sni": "4.7.0"},
    "runtime": rt("lib/netcoreapp2.1/System.Data.SqlClient.dll", "4.6.1.5", "4.700.22.51706"),
    "runtimeTargets": {
      "runtimes/unix/lib/netcoreapp2.1/System.Data.SqlClient.dll": {"rid": "unix", "assetType": "runtime", "assemblyVersion": "4.6.1.5", "fileVersion": "4.700.22.51706"},
      "runtimes/win/lib/netcoreapp2.1/System.Data.SqlClient.dll": {"rid": "win", "assetType": "runtime", "assemblyVersion": "4.6.1.5", "fileVersion": "4.700.22.51706"}}},
  "System.Runtime.CompilerServices.Unsafe/6.0.0": {"runtime": rt("lib/net6.0/System.Runtime.CompilerServices.Unsafe.dll", "6.0.0.0", "6.0.21.52210")},
  "System.Security.AccessControl/4.7.0": {"dependencies": {"System.Security.Principal.Windows": "4.7.0"}},
  "System.Security.Principal.Windows/4.7.0": {},
  "System.Text.Encodings.Web/6.0.0": {"dependencies": {"System.Runtime.CompilerServices.Unsafe": "6.0.0"},
    "runtime": rt("lib/net6.0/System.Text.Encodings.Web.dll", "6.0.0.0", "6.0.21.52210")},
  "System.Text.Json/6.0.0": {"dependencies": {
      "System.Runtime.CompilerServices.Unsafe": "6.0.0", "System.Text.Encodings.Web": "6.0.0"},
    "runtime": rt("lib/net6.0/System.Text.Json.dll", "6.0.0.0", "6.0.21.52210")},
  "runtime.native.System.Data.SqlClient.sni/4.7.0": {"dependencies": {
      "Microsoft.Data.SqlClient.SNI.runtime": "2.1.1"}},
  "OrderService.Data/1.0.0": {"dependencies": {"Dapper": "2.0.123", "System.Data.SqlClient": "4.8.5"},
    "runtime": {"OrderService.Data.dll": {}}},
}
libs = {}
for k in targets:
    n, v = k.split("/")
    libs[k] = lib(n, v, "project" if n.startswith("OrderService") else "package")
# The SDK lists the root first, then the rest ordinally by name.
order = ["OrderService/1.0.0"] + sorted((k for k in targets if k != "OrderService/1.0.0"), key=lambda k: (k.startswith("OrderService"), k))
doc = {"runtimeTarget": {"name": tfm, "signature": ""}, "compilationOptions": {},
       "targets": {tfm: {k: targets[k] for k in order}},
       "libraries": {k: libs[k] for k in order}}
open("OrderService.deps.json", "w").write(json.dumps(doc, indent=2) + "\n")

# WeatherApi: self-contained for linux-x64 on .NET 8, carrying the
# runtime packs.
tfm8, rid = ".NETCoreApp,Version=v8.0", ".NETCoreApp,Version=v8.0/linux-x64"
rtp = "runtimepack.Microsoft.NETCore.App.Runtime.linux-x64"
aspp = "runtimepack.Microsoft.AspNetCore.App.Runtime.linux-x64"
t8 = {
  "WeatherApi/1.0.0": {"dependencies": {"Serilog.AspNetCore": "8.0.0", "Swashbuckle.AspNetCore": "6.5.0",
      rtp: "8.0.0", aspp: "8.0.0"}, "runtime": {"WeatherApi.dll": {}}},
  rtp + "/8.0.0": {"runtime": {"System.Private.CoreLib.dll": {"assemblyVersion": "8.0.0.0", "fileVersion": "8.0.23.53103"}},
    "native": {"libSystem.Native.so": {"fileVersion": "0.0.0.0"}, "libclrjit.so": {"fileVersion": "0.0.0.0"}}},
  aspp + "/8.0.0": {"runtime": {"Microsoft.AspNetCore.dll": {"assemblyVersion": "8.0.0.0", "fileVersion": "8.0.23.53112"}}},
  "Microsoft.OpenApi/1.4.3": {"runtime": rt("lib/netstandard2.0/Microsoft.OpenApi.dll", "1.4.3.0", "1.4.3.0")},
  "Serilog/3.1.1": {"runtime": rt("lib/net7.0/Serilog.dll", "2.0.0.0", "3.1.1.0")},
  "Serilog.AspNetCore/8.0.0": {"dependencies": {"Serilog": "3.1.1"},
    "runtime": rt("lib/net8.0/Serilog.AspNetCore.dll", "2.0.0.0", "8.0.0.0")},
  "Swashbuckle.AspNetCore/6.5.0": {"dependencies": {"Microsoft.OpenApi": "1.4.3"}},
}
libs8 = {}
for k in t8:
    n, v = k.split("/")
    libs8[k] = lib(n, v, "project" if n == "WeatherApi" else "runtimepack" if n.startswith("runtimepack.") else "package")
doc = {"runtimeTarget": {"name": rid, "signature": ""}, "compilationOptions": {},
       "targets": {tfm8: {}, rid: t8}, "libraries": libs8,
       "runtimes": {"linux-x64": ["linux", "unix-x64", "unix", "any", "base"]}}
open("WeatherApi.deps.json", "w").write(json.dumps(doc, indent=2) + "\n")

# OrderService's packages.lock.json (version 1), for net6.0 and the
# linux-x64 runtime it is published for.
def d(typ, resolved, deps=None, requested=None):
    e = {"type": typ}
    if requested: e["requested"] = requested
    e["resolved"] = resolved
    e["contentHash"] = h(resolved + typ)
    if deps: e["dependencies"] = deps
    return e
net6 = {
  "Newtonsoft.Json": d("Direct", "12.0.3", requested="[12.0.3, )"),
  "Serilog": d("Direct", "2.10.0", requested="[2.10.0, )"),
  "Serilog.Sinks.Console": d("Direct", "4.0.1", {"Serilog": "2.10.0"}, "[4.0.1, )"),
  "System.Text.Json": d("Direct", "6.0.0", {"System.Runtime.CompilerServices.Unsafe": "6.0.0", "System.Text.Encodings.Web": "6.0.0"}, "[6.0.0, )"),
  "Dapper": d("Transitive", "2.0.123"),
  "Microsoft.Data.SqlClient.SNI.runtime": d("Transitive", "2.1.1"),
  "Microsoft.Win32.Registry": d("Transitive", "4.7.0", {"System.Security.AccessControl": "4.7.0", "System.Security.Principal.Windows": "4.7.0"}),
  "runtime.native.System.Data.SqlClient.sni": d("Transitive", "4.7.0", {"Microsoft.Data.SqlClient.SNI.runtime": "2.1.1"}),
  "System.Data.SqlClient": d("Transitive", "4.8.5", {"Microsoft.Win32.Registry": "4.7.0", "System.Security.Principal.Windows": "4.7.0", "runtime.native.System.Data.SqlClient.sni": "4.7.0"}),
  "System.Runtime.CompilerServices.Unsafe": d("Transitive", "6.0.0"),
  "System.Security.AccessControl": d("Transitive", "4.7.0", {"System.Security.Principal.Windows": "4.7.0"}),
  "System.Security.Principal.Windows": d("Transitive", "4.7.0"),
  "System.Text.Encodings.Web": d("Transitive", "6.0.0", {"System.Runtime.CompilerServices.Unsafe": "6.0.0"}),
  "orderservice.data": {"type": "Project", "dependencies": {"Dapper": "[2.0.123, )", "System.Data.SqlClient": "[4.8.5, )"}},
}
net6rid = {
  "Microsoft.Win32.Registry": net6["Microsoft.Win32.Registry"],
  "System.Data.SqlClient": net6["System.Data.SqlClient"],
  "System.Security.AccessControl": net6["System.Security.AccessControl"],
  "System.Security.Principal.Windows": net6["System.Security.Principal.Windows"],
  "System.Text.Encodings.Web": net6["System.Text.Encodings.Web"],
}
def ordered(m):  # NuGet writes Direct entries first, then the rest by name
    return {k: m[k] for k in sorted(m, key=lambda k: (m[k]["type"] != "Direct", m[k]["type"] == "Project", k.lower()))}
doc = {"version": 1, "dependencies": {"net6.0": ordered(net6), "net6.0/linux-x64": ordered(net6rid)}}
open("OrderService.packages.lock.json", "w").write(json.dumps(doc, indent=2) + "\n")

# A version 2 lock file from a project under central package management.
cpm = {
  "Microsoft.Extensions.Http.Polly": d("Direct", "8.0.0", {"Polly": "7.2.4", "Polly.Extensions.Http": "3.0.0"}, "[8.0.0, )"),
  "Polly": d("CentralTransitive", "7.2.4", requested="[7.2.4, )"),
  "Polly.Extensions.Http": d("Transitive", "3.0.0", {"Polly": "7.1.0"}),
}
doc = {"version": 2, "dependencies": {"net8.0": ordered(cpm)}}
open("cpm.packages.lock.json", "w").write(json.dumps(doc, indent=2) + "\n")
