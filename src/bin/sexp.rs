fn main() {
    let args: Vec<String> = std::env::args().collect();
    let lang = abstrakt_lsp::syntax::Language::from_path(std::path::Path::new(&args[1])).unwrap();
    let text = std::fs::read_to_string(&args[1]).unwrap();
    let tree = abstrakt_lsp::syntax::parse(lang, &text);
    println!("{}", tree.root_node().to_sexp());
}
