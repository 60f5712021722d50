package hooktools

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// stdinCommands read stdin when given "-" as a file name.
var stdinCommands = map[string]bool{
	"relation-set": true, "state-set": true, "secret-add": true, "secret-set": true, "leader-set": true,
}

// Main is the tool executable: it sends the command line to the unit agent
// named by the hook environment and reproduces the answer's output and exit
// code. getenv and the streams are injected for tests.
func Main(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	name := filepath.Base(args[0])
	ctxID := getenv("JUJU_CONTEXT_ID")
	addr := getenv("JUJU_AGENT_SOCKET_ADDRESS")
	network := getenv("JUJU_AGENT_SOCKET_NETWORK")
	if network == "" {
		network = "unix"
	}
	if ctxID == "" || addr == "" {
		fmt.Fprintf(stderr, "ERROR %s must be run from a hook: JUJU_CONTEXT_ID is not set\n", name)
		return 1
	}
	dir, _ := os.Getwd()
	req := Request{ContextID: ctxID, Dir: dir, Command: name, Args: args[1:], Files: readFiles(dir, args[1:])}
	if stdinCommands[name] && wantsStdin(args[1:]) && stdin != nil {
		data, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "ERROR cannot read stdin: %v\n", err)
			return 1
		}
		req.Stdin = data
	}
	resp, err := call(network, addr, req)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR cannot reach the unit agent: %v\n", err)
		return 1
	}
	if resp.OutputFile != "" {
		path := resp.OutputFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		if err := os.WriteFile(path, resp.Stdout, 0o644); err != nil {
			fmt.Fprintf(stderr, "ERROR %v\n", err)
			return 1
		}
	} else {
		stdout.Write(resp.Stdout)
	}
	stderr.Write(resp.Stderr)
	return resp.Code
}

func call(network, addr string, req Request) (*Response, error) {
	conn, err := net.Dial(network, addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return nil, err
	}
	var resp Response
	if err := json.NewDecoder(conn).Decode(&resp); err != nil {
		return nil, err
	}
	return &resp, nil
}

func wantsStdin(args []string) bool {
	for i, a := range args {
		if a == "--file=-" || (a == "--file" && i+1 < len(args) && args[i+1] == "-") {
			return true
		}
	}
	return false
}

// readFiles reads every file a command line names (--file PATH and
// key#file=PATH), since the agent cannot see the charm container's paths.
func readFiles(dir string, args []string) map[string][]byte {
	files := map[string][]byte{}
	read := func(p string) {
		if p == "" || p == "-" {
			return
		}
		full := p
		if !filepath.IsAbs(full) {
			full = filepath.Join(dir, full)
		}
		if data, err := os.ReadFile(full); err == nil {
			files[p] = data
		}
	}
	for i, a := range args {
		switch {
		case a == "--file" && i+1 < len(args):
			read(args[i+1])
		case strings.HasPrefix(a, "--file="):
			read(strings.TrimPrefix(a, "--file="))
		default:
			if k := strings.Index(a, "#file="); k > 0 {
				read(a[k+len("#file="):])
			}
		}
	}
	if len(files) == 0 {
		return nil
	}
	return files
}
