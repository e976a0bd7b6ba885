pub mod document;
pub mod extract;
pub mod syntax;
pub mod text;
