package dockerfile

import (
	"reflect"
	"strings"
	"testing"
)

// render shows parsed pipelines as "a b | c ; d", with substitutions'
// commands marked by "$".
func render(pls []pipeline) string {
	var parts []string
	for _, pl := range pls {
		var cmds []string
		for _, c := range pl {
			s := strings.Join(c.args, " ")
			if len(c.args) == 0 {
				s = strings.Join(c.env, " ")
			}
			if c.sub {
				s = "$" + s
			}
			cmds = append(cmds, s)
		}
		parts = append(parts, strings.Join(cmds, " | "))
	}
	return strings.Join(parts, " ; ")
}

func TestParseShell(t *testing.T) {
	cases := []struct{ src, want string }{
		{"apt-get update && apt-get install -y curl", "apt-get update ; apt-get install -y curl"},
		{"a; b || c & d", "a ; b ; c ; d"},
		{"curl -s https://x | tar xz | wc -l", "curl -s https://x | tar xz | wc -l"},
		{"echo 'a && b' \"c | d\" e\\ f", "echo a && b c | d e f"},
		{"echo a \\\n  && echo b", "echo a ; echo b"},
		{"echo hi # && rm -rf /\necho bye", "echo hi ; echo bye"},
		{"echo a#b", "echo a#b"},
		{"make > /dev/null 2>&1 && ls < in >> out", "make ; ls"},
		{"cmd &> log; cmd2 2>/dev/null", "cmd ; cmd2"},
		{"DEBIAN_FRONTEND=noninteractive apt-get install -y x", "apt-get install -y x"},
		{"sudo -E -u root bash -c 'id'", "bash -c id"},
		{"env -i PATH=/bin A=1 make", "make"},
		{"if [ -f x ]; then make; else cd y; fi", "[ -f x ] ; make ; cd y"},
		{"for f in a b; do echo $f; done", "for f in a b ; echo $f"},
		{"{ echo a; echo b; } > out", "echo a ; echo b"},
		{"(cd src && make)", "cd src ; make"},
		{"v=$(curl -s https://x | sh) && echo $v", "$curl -s https://x | $sh ; v=$(curl -s https://x | sh) ; echo $v"},
		{"echo \"$(uname -m)\"", "$uname -m ; echo $(uname -m)"},
		{"echo `id -u`", "$id -u ; echo `id -u`"},
		{"x=$((1+2)) && echo $x", "x=$((1+2)) ; echo $x"},
		{"bash <(curl -s https://x)", "$curl -s https://x ; bash <(curl -s https://x)"},
		{"cat > f <<EOF\nrm -rf /\nEOF\necho done", "cat ; echo done"},
		{"cat <<-'X' >f\n\tsudo x\n\tX\nls", "cat ; ls"},
		{"python3 -m pip install x", "pip install x"},
		{"/usr/bin/pip3.11 install x", "/usr/bin/pip3.11 install x"},
		{"timeout 10 curl x", "curl x"},
		{"echo ${A:-b} ${C}", "echo ${A:-b} ${C}"},
		{"'unterminated", "unterminated"},
		{"echo \"unterminated", "echo unterminated"},
		{"echo $(unterminated", "$unterminated ; echo $(unterminated"},
		{"a |& b", "a | b"},
		{"", ""},
		{"   \n\n  ", ""},
	}
	for _, c := range cases {
		if got := render(parseShell(c.src)); got != c.want {
			t.Errorf("parseShell(%q) = %q, want %q", c.src, got, c.want)
		}
	}
}

func TestCommandNames(t *testing.T) {
	cases := []struct {
		words []string
		name  string
		sudo  bool
		env   []string
	}{
		{[]string{"/usr/bin/apt-get", "install"}, "apt-get", false, nil},
		{[]string{"sudo", "apt", "update"}, "apt", true, nil},
		{[]string{"A=1", "B=2", "pip3", "install"}, "pip", false, []string{"A=1", "B=2"}},
		{[]string{"python3.12", "-m", "pip", "install"}, "pip", false, nil},
		{[]string{"xx-apt-get", "install"}, "apt-get", false, nil},
		{[]string{"env", "GIT_SSL_NO_VERIFY=1", "git", "clone"}, "git", false, []string{"GIT_SSL_NO_VERIFY=1"}},
		{[]string{"gosu", "app", "node", "x.js"}, "node", false, nil},
		{[]string{"X=1"}, "", false, []string{"X=1"}},
	}
	for _, c := range cases {
		cmd, ok := newCommand(c.words)
		if !ok || cmd.name != c.name || cmd.sudo != c.sudo || !reflect.DeepEqual(cmd.env, c.env) {
			t.Errorf("newCommand(%q) = name %q sudo %v env %q, want %q %v %q", c.words, cmd.name, cmd.sudo, cmd.env, c.name, c.sudo, c.env)
		}
	}
}

func TestParseArgs(t *testing.T) {
	a := parseArgs(strings.Fields("-yq -o Dpkg::Options::=--force-confold --no-install-recommends install -t bookworm-backports curl=1 -- -x"), "-o -t")
	if !a.has("-y") || !a.has("-q") || !a.has("--no-install-recommends") {
		t.Errorf("flags %v", a.flags)
	}
	if v := a.values("-o"); len(v) != 1 || v[0] != "Dpkg::Options::=--force-confold" {
		t.Errorf("-o values %q", v)
	}
	if v := a.values("-t"); len(v) != 1 || v[0] != "bookworm-backports" {
		t.Errorf("-t values %q", v)
	}
	if want := []string{"install", "curl=1", "-x"}; !reflect.DeepEqual(a.operands, want) {
		t.Errorf("operands %q, want %q", a.operands, want)
	}
	if n := parseArgs([]string{"-qq", "-q"}, "").count("-q"); n != 3 {
		t.Errorf("count(-q) = %d", n)
	}
	if v := parseArgs([]string{"-ovalue", "--opt=x"}, "-o --opt").values("-o", "--opt"); !reflect.DeepEqual(v, []string{"value", "x"}) {
		t.Errorf("attached values %q", v)
	}
}

func TestReadsProgram(t *testing.T) {
	cases := map[string]bool{
		"sh": true, "bash -": true, "bash -s -- -y": true, "sh -x": true, "bash -o pipefail": true, "sh --": true,
		"sh -c 'x'": false, "bash -ec x": false, "bash script.sh": false, "sh -- script.sh": false,
		"python3": true, "python -": true, "python3 -c x": false, "perl -e x": false, "node app.js": false,
		"tar xz": false, "ruby": true,
	}
	for src, want := range cases {
		c := parseShell(src)[0][0]
		if got := readsProgram(c); got != want {
			t.Errorf("readsProgram(%q) = %v, want %v", src, got, want)
		}
	}
}
