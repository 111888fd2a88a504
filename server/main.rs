fn main() {
    std::process::exit(kyverno_ls::cli::main());
}
