//! The `shipgate` binary: everything lives in the library; this only hands
//! over the process's arguments and turns the outcome into an exit code.

fn main() -> std::process::ExitCode {
    shipgate::cli::main()
}
