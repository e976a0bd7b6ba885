pub mod document;
pub mod extract;
pub mod licensing;
pub mod registry;
pub mod rules;
pub mod syntax;
pub mod text;
