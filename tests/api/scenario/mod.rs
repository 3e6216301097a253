//! The defaults of the test scenarios (parties, clients, dates, product codes) over the one
//! message builder of the test kit.

pub mod history;
pub mod trajectory;
