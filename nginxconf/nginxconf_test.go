package nginxconf

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseKeepsLuaAndLines(t *testing.T) {
	ds, err := Parse("t.conf", "http {\n  upstream a {\n    server 10.0.0.1:80 max_fails=3;\n    balancer_by_lua_block {\n      local t = { x = \"}\" } -- }\n    }\n  }\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	up := ds[0].Block[0]
	lua := up.Block[1]
	if up.Line != 2 || lua.Name() != "balancer_by_lua_block" || lua.LuaLine != 4 || !strings.Contains(lua.Lua, `x = "}"`) {
		t.Fatalf("upstream %+v, lua %+v", up, lua)
	}
	u := ReadUpstream(up)
	if !u.Balancer || u.Servers[0].MaxFails != 3 || !u.Servers[0].MaxFailsSet || u.Servers[0].Line != 3 {
		t.Fatalf("%+v", u)
	}
}

func TestParseStrictStopsAtFirstError(t *testing.T) {
	for _, text := range []string{"http {", "}", "a b", `a "b;`} {
		if _, err := Parse("t.conf", text); err == nil {
			t.Errorf("%q parsed", text)
		}
	}
}

// TestLenientRepairsAPaste: the repairs a person makes reading a pasted
// configuration, each reported.
func TestLenientRepairsAPaste(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nginx.conf")
	os.WriteFile(path, []byte("events {\n  worker_connections 1024;\nhttp {\n  upstream app {\n    server 10.0.0.1:80; -- a Lua comment\n    balancer_by_lua_block { return }\n  server {\n    location / { proxy_pass http://app; }\n"), 0o644)
	cfg, err := LoadLenient(path)
	if err != nil {
		t.Fatal(err)
	}
	var top []string
	for _, d := range cfg.Directives {
		top = append(top, d.Name())
	}
	if strings.Join(top, " ") != "events http" {
		t.Fatalf("top level %v", top)
	}
	http := cfg.Directives[1]
	if len(http.Block) != 2 || http.Block[0].Name() != "upstream" || http.Block[1].Name() != "server" {
		t.Fatalf("http block %+v", http.Block)
	}
	if lua := http.Block[0].Block[1]; lua.Name() != "balancer_by_lua_block" || !strings.Contains(lua.Lua, "return") {
		t.Fatalf("Lua behind stray words lost: %+v", http.Block[0].Block)
	}
	msgs := ""
	for _, p := range cfg.Problems {
		msgs += p.Error() + "\n"
	}
	for _, want := range []string{":3: \"http\" block inside \"events\"", ":7: \"server\" block inside \"upstream\"", ":5: unknown directive \"--\"", ":8: unexpected end of file"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("missing problem %q in\n%s", want, msgs)
		}
	}
}

func TestLoadReaderDump(t *testing.T) {
	dump := "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\n" +
		"# configuration file /etc/nginx/nginx.conf:\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n    include /etc/nginx/missing.conf;\n}\n\n" +
		"# configuration file /etc/nginx/conf.d/b.conf:\nupstream b { server 10.0.0.2:80; }\n" +
		"# configuration file /etc/nginx/conf.d/a.conf:\nupstream a { server 10.0.0.1:80; }\n"
	cfg, err := LoadReader("<stdin>", strings.NewReader(dump))
	if err != nil {
		t.Fatal(err)
	}
	http := cfg.Directives[0]
	if len(http.Block) != 2 || http.Block[0].Args[1] != "a" || http.Block[1].Args[1] != "b" || http.Block[0].File != "/etc/nginx/conf.d/a.conf" {
		t.Fatalf("includes not expanded in glob order: %+v", http.Block)
	}
	if len(cfg.Missing) != 1 || !strings.Contains(cfg.Missing[0].Error(), "missing.conf") {
		t.Fatalf("missing include not noted: %v", cfg.Missing)
	}
	plain, err := LoadReader("<stdin>", strings.NewReader("events {}\n"))
	if err != nil || len(plain.Directives) != 1 || plain.Files[0] != "<stdin>" {
		t.Fatalf("plain text: %v %+v", err, plain)
	}
}

func TestIncludeLoopEnds(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nginx.conf")
	os.WriteFile(path, []byte("include nginx.conf;\n"), 0o644)
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "nested too deep") {
		t.Fatalf("got %v", err)
	}
}

// FuzzParseLenient: any text parses without a panic, leniently and
// strictly, and a strict success has no problems leniently.
func FuzzParseLenient(f *testing.F) {
	for _, s := range []string{"http { server { location / { proxy_pass http://a; } } }", "a \"b\\\"c\" 'd';", "x_by_lua_block { if a then b() end }", "}{;", "# c\nq"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		_, problems := ParseLenient("f.conf", text)
		if _, err := Parse("f.conf", text); err == nil && len(problems) > 0 {
			t.Fatalf("strict parse accepted what the lenient one repaired: %v", problems)
		}
	})
}
