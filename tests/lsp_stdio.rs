//! The server on real stdin/stdout, in a child process: it must exit on `exit` even though the
//! client keeps stdin open, and report the exit code the protocol asks for.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// Set in the child: run the server instead of the test.
const CHILD: &str = "KYVERNO_LS_STDIO_TEST_CHILD";
const TIMEOUT: Duration = Duration::from_secs(20);

fn send(stdin: &mut ChildStdin, message: Value) {
    let body = message.to_string();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    stdin.flush().unwrap();
}

/// Reads messages on a thread of its own, so that a silent server fails the test instead of
/// blocking it.
fn messages(stdout: ChildStdout) -> mpsc::Receiver<Value> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        while let Some(message) = receive(&mut stdout) {
            if tx.send(message).is_err() {
                break;
            }
        }
    });
    rx
}

/// The next message, `None` at the end of the output. The child's test harness prints before the server starts, without a
/// line break, so the first header may follow other text on its line.
fn receive(stdout: &mut BufReader<ChildStdout>) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if let Some(i) = line.find("Content-Length: ") {
            length = Some(
                line[i + "Content-Length: ".len()..]
                    .parse::<usize>()
                    .unwrap(),
            );
        } else if line.is_empty() && length.is_some() {
            break;
        }
    }
    let mut body = vec![0; length.unwrap()];
    stdout.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// Kills the server if the test fails before it exits.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait(server: &mut Server) -> i32 {
    let start = Instant::now();
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            return status.code().expect("killed by a signal");
        }
        if start.elapsed() > TIMEOUT {
            panic!("the server did not exit");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// initialize, shutdown, exit — with stdin left open — and the exit code.
fn session(mut command: Command, shutdown: bool) -> i32 {
    let mut server = Server(
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stdin = server.0.stdin.take().unwrap();
    let stdout = messages(server.0.stdout.take().unwrap());
    let next = || {
        stdout.recv_timeout(TIMEOUT).unwrap_or_else(|_| {
            panic!("no message from the server");
        })
    };
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize",
               "params": {"processId": null, "capabilities": {}}}),
    );
    let response = next();
    assert_eq!(response["result"]["serverInfo"]["name"], "kyverno-ls");
    send(
        &mut stdin,
        json!({"jsonrpc": "2.0", "method": "initialized", "params": {}}),
    );
    if shutdown {
        send(
            &mut stdin,
            json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}),
        );
        assert_eq!(next(), json!({"jsonrpc": "2.0", "id": 2, "result": null}));
    }
    send(&mut stdin, json!({"jsonrpc": "2.0", "method": "exit"}));
    let code = wait(&mut server);
    drop(stdin);
    code
}

/// This test binary, running only `test` and, in it, the server.
fn this_test_as_server(test: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD, "1");
    command
}

fn serve_if_child() {
    if std::env::var_os(CHILD).is_some() {
        std::process::exit(kyverno_ls::lsp::serve_stdio());
    }
}

#[test]
fn serve_stdio_exits_with_0_after_shutdown_and_exit_while_stdin_stays_open() {
    serve_if_child();
    let command = this_test_as_server(
        "serve_stdio_exits_with_0_after_shutdown_and_exit_while_stdin_stays_open",
    );
    assert_eq!(session(command, true), 0);
}

#[test]
fn serve_stdio_exits_with_1_on_exit_without_shutdown() {
    serve_if_child();
    let command = this_test_as_server("serve_stdio_exits_with_1_on_exit_without_shutdown");
    assert_eq!(session(command, false), 1);
}

#[test]
fn kyverno_ls_serve_exits_with_0_after_shutdown_and_exit() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kyverno-ls"));
    command.arg("serve");
    assert_eq!(session(command, true), 0);
}
