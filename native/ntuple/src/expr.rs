//! Weight and selection expressions over branch names, evaluated column-wise.
//!
//! Grammar (C-like precedence, lowest first): `||`, `&&`, one comparison (`< <= > >= == !=`),
//! `+ -`, `* / %`, unary `- + !`, then numbers, branch names, `(…)` and the functions
//! `abs sqrt exp log min max`. Comparisons and logic give 1 or 0; any non-zero value is true.
//! `Entry$` (as in ROOT's TTree::Draw) is the entry number, e.g. `Entry$ % 2 == 0` selects one
//! half of the events for a train/validate split.

use crate::error::ExpressionError;

/// Pseudo-branch holding the entry number (a real branch of that name takes precedence).
pub const ENTRY_NUMBER: &str = "Entry$";

#[derive(Debug, Clone, Copy, PartialEq)]
enum Token {
    Number(f64),
    Name,
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Not,
    And,
    Or,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
    NotEqual,
    End,
}

#[derive(Debug, Clone)]
struct Lexeme {
    token: Token,
    text: String,
    position: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum UnaryOp {
    Negate,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum BinaryOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
    NotEqual,
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Function {
    Abs,
    Sqrt,
    Exp,
    Log,
    Min,
    Max,
}

impl Function {
    fn from_name(name: &str) -> Option<(Function, usize)> {
        Some(match name {
            "abs" => (Function::Abs, 1),
            "sqrt" => (Function::Sqrt, 1),
            "exp" => (Function::Exp, 1),
            "log" => (Function::Log, 1),
            "min" => (Function::Min, 2),
            "max" => (Function::Max, 2),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
enum Node {
    Number(f64),
    Branch { name: String, position: usize },
    Unary(UnaryOp, Box<Node>),
    Binary(BinaryOp, Box<Node>, Box<Node>),
    Call(Function, Vec<Node>),
}

/// A parsed expression; parse once, evaluate on any set of columns.
#[derive(Debug, Clone)]
pub struct Expression {
    text: String,
    root: Node,
}

fn tokenize(text: &str) -> Result<Vec<Lexeme>, ExpressionError> {
    let chars: Vec<char> = text.chars().collect();
    let error = |position: usize, message: String| ExpressionError {
        expression: text.to_string(),
        position,
        message,
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        let two = |second: char| chars.get(i + 1) == Some(&second);
        let (token, len) = match c {
            '0'..='9' | '.' => {
                let mut j = i;
                while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
                    j += 1;
                }
                if j < chars.len() && (chars[j] == 'e' || chars[j] == 'E') {
                    let mut k = j + 1;
                    if k < chars.len() && (chars[k] == '+' || chars[k] == '-') {
                        k += 1;
                    }
                    if k < chars.len() && chars[k].is_ascii_digit() {
                        while k < chars.len() && chars[k].is_ascii_digit() {
                            k += 1;
                        }
                        j = k;
                    }
                }
                let literal: String = chars[i..j].iter().collect();
                let value = literal
                    .parse::<f64>()
                    .map_err(|_| error(start, format!("malformed number `{literal}`")))?;
                (Token::Number(value), j - i)
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut j = i + 1;
                while j < chars.len()
                    && (chars[j].is_alphanumeric() || matches!(chars[j], '_' | '.' | '$'))
                {
                    j += 1;
                }
                (Token::Name, j - i)
            }
            '(' => (Token::LParen, 1),
            ')' => (Token::RParen, 1),
            ',' => (Token::Comma, 1),
            '+' => (Token::Plus, 1),
            '-' => (Token::Minus, 1),
            '*' => (Token::Star, 1),
            '/' => (Token::Slash, 1),
            '%' => (Token::Percent, 1),
            '&' if two('&') => (Token::And, 2),
            '|' if two('|') => (Token::Or, 2),
            '<' if two('=') => (Token::LessEqual, 2),
            '>' if two('=') => (Token::GreaterEqual, 2),
            '=' if two('=') => (Token::Equal, 2),
            '!' if two('=') => (Token::NotEqual, 2),
            '<' => (Token::Less, 1),
            '>' => (Token::Greater, 1),
            '!' => (Token::Not, 1),
            '&' => {
                return Err(error(
                    start,
                    "`&` is not an operator; use `&&` for a logical and".into(),
                ))
            }
            '|' => {
                return Err(error(
                    start,
                    "`|` is not an operator; use `||` for a logical or".into(),
                ))
            }
            '=' => {
                return Err(error(
                    start,
                    "`=` is not an operator; use `==` to compare".into(),
                ))
            }
            other => return Err(error(start, format!("unexpected character `{other}`"))),
        };
        out.push(Lexeme {
            token,
            text: chars[i..i + len].iter().collect(),
            position: start,
        });
        i += len;
    }
    out.push(Lexeme {
        token: Token::End,
        text: String::new(),
        position: chars.len(),
    });
    Ok(out)
}

struct Parser<'a> {
    text: &'a str,
    lexemes: Vec<Lexeme>,
    at: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> &Lexeme {
        &self.lexemes[self.at]
    }

    fn advance(&mut self) -> Lexeme {
        let lexeme = self.lexemes[self.at].clone();
        if lexeme.token != Token::End {
            self.at += 1;
        }
        lexeme
    }

    fn error(&self, position: usize, message: String) -> ExpressionError {
        ExpressionError {
            expression: self.text.to_string(),
            position,
            message,
        }
    }

    fn unexpected(&self) -> ExpressionError {
        let lexeme = self.peek();
        if lexeme.token == Token::End {
            self.error(lexeme.position, "unexpected end of expression".into())
        } else {
            self.error(lexeme.position, format!("unexpected `{}`", lexeme.text))
        }
    }

    fn expect(&mut self, token: Token, what: &str) -> Result<(), ExpressionError> {
        if self.peek().token == token {
            self.advance();
            Ok(())
        } else {
            let lexeme = self.peek();
            let found = if lexeme.token == Token::End {
                "end of expression".to_string()
            } else {
                format!("`{}`", lexeme.text)
            };
            Err(self.error(lexeme.position, format!("expected {what}, found {found}")))
        }
    }

    fn or(&mut self) -> Result<Node, ExpressionError> {
        let mut left = self.and()?;
        while self.peek().token == Token::Or {
            self.advance();
            left = Node::Binary(BinaryOp::Or, Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, ExpressionError> {
        let mut left = self.comparison()?;
        while self.peek().token == Token::And {
            self.advance();
            left = Node::Binary(BinaryOp::And, Box::new(left), Box::new(self.comparison()?));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Node, ExpressionError> {
        let left = self.sum()?;
        let op = match comparison_op(self.peek().token) {
            Some(op) => op,
            None => return Ok(left),
        };
        self.advance();
        let right = self.sum()?;
        if comparison_op(self.peek().token).is_some() {
            // `a < b < c` means something different in C and in Python: refuse rather than guess.
            return Err(self.error(
                self.peek().position,
                "comparisons cannot be chained; join them with `&&`".into(),
            ));
        }
        Ok(Node::Binary(op, Box::new(left), Box::new(right)))
    }

    fn sum(&mut self) -> Result<Node, ExpressionError> {
        let mut left = self.product()?;
        loop {
            let op = match self.peek().token {
                Token::Plus => BinaryOp::Add,
                Token::Minus => BinaryOp::Subtract,
                _ => return Ok(left),
            };
            self.advance();
            left = Node::Binary(op, Box::new(left), Box::new(self.product()?));
        }
    }

    fn product(&mut self) -> Result<Node, ExpressionError> {
        let mut left = self.unary()?;
        loop {
            let op = match self.peek().token {
                Token::Star => BinaryOp::Multiply,
                Token::Slash => BinaryOp::Divide,
                Token::Percent => BinaryOp::Remainder,
                _ => return Ok(left),
            };
            self.advance();
            left = Node::Binary(op, Box::new(left), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Node, ExpressionError> {
        match self.peek().token {
            Token::Minus => {
                self.advance();
                Ok(Node::Unary(UnaryOp::Negate, Box::new(self.unary()?)))
            }
            Token::Plus => {
                self.advance();
                self.unary()
            }
            Token::Not => {
                self.advance();
                Ok(Node::Unary(UnaryOp::Not, Box::new(self.unary()?)))
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Node, ExpressionError> {
        let lexeme = self.peek().clone();
        match lexeme.token {
            Token::Number(value) => {
                self.advance();
                Ok(Node::Number(value))
            }
            Token::LParen => {
                self.advance();
                let inner = self.or()?;
                self.expect(Token::RParen, "`)`")?;
                Ok(inner)
            }
            Token::Name if self.lexemes[self.at + 1].token == Token::LParen => {
                let (function, arity) = Function::from_name(&lexeme.text).ok_or_else(|| {
                    self.error(
                        lexeme.position,
                        format!(
                            "unknown function `{}` (known: abs, sqrt, exp, log, min, max)",
                            lexeme.text
                        ),
                    )
                })?;
                self.advance();
                self.advance();
                let mut arguments = vec![self.or()?];
                while self.peek().token == Token::Comma {
                    self.advance();
                    arguments.push(self.or()?);
                }
                self.expect(Token::RParen, "`)`")?;
                if arguments.len() != arity {
                    return Err(self.error(
                        lexeme.position,
                        format!(
                            "`{}` takes {arity} argument(s), got {}",
                            lexeme.text,
                            arguments.len()
                        ),
                    ));
                }
                Ok(Node::Call(function, arguments))
            }
            Token::Name => {
                self.advance();
                Ok(Node::Branch {
                    name: lexeme.text,
                    position: lexeme.position,
                })
            }
            _ => Err(self.unexpected()),
        }
    }
}

fn comparison_op(token: Token) -> Option<BinaryOp> {
    Some(match token {
        Token::Less => BinaryOp::Less,
        Token::LessEqual => BinaryOp::LessEqual,
        Token::Greater => BinaryOp::Greater,
        Token::GreaterEqual => BinaryOp::GreaterEqual,
        Token::Equal => BinaryOp::Equal,
        Token::NotEqual => BinaryOp::NotEqual,
        _ => return None,
    })
}

fn truth(value: bool) -> f64 {
    if value {
        1.0
    } else {
        0.0
    }
}

/// Column lookup used during evaluation: the values of one branch for every entry.
pub trait ColumnSource {
    fn column(&self, name: &str) -> Option<&[f64]>;
    fn entries(&self) -> usize;
}

impl Expression {
    pub fn parse(text: &str) -> Result<Expression, ExpressionError> {
        let lexemes = tokenize(text)?;
        if lexemes.len() == 1 {
            return Err(ExpressionError {
                expression: text.to_string(),
                position: 0,
                message: "the expression is empty".into(),
            });
        }
        let mut parser = Parser {
            text,
            lexemes,
            at: 0,
        };
        let root = parser.or()?;
        if parser.peek().token != Token::End {
            return Err(parser.unexpected());
        }
        Ok(Expression {
            text: text.to_string(),
            root,
        })
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Branch names the expression reads, in first-use order, without repeats.
    pub fn branches(&self) -> Vec<String> {
        fn walk(node: &Node, out: &mut Vec<String>) {
            match node {
                Node::Number(_) => {}
                Node::Branch { name, .. } => {
                    if name != ENTRY_NUMBER && !out.contains(name) {
                        out.push(name.clone());
                    }
                }
                Node::Unary(_, a) => walk(a, out),
                Node::Binary(_, a, b) => {
                    walk(a, out);
                    walk(b, out);
                }
                Node::Call(_, args) => args.iter().for_each(|a| walk(a, out)),
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        out
    }

    /// The value of the expression for every entry of `columns`.
    pub fn evaluate(&self, columns: &dyn ColumnSource) -> Result<Vec<f64>, ExpressionError> {
        self.node_values(&self.root, columns)
    }

    fn node_values(
        &self,
        node: &Node,
        columns: &dyn ColumnSource,
    ) -> Result<Vec<f64>, ExpressionError> {
        let n = columns.entries();
        Ok(match node {
            Node::Number(value) => vec![*value; n],
            Node::Branch { name, position } => match columns.column(name) {
                Some(values) => values.to_vec(),
                None if name == ENTRY_NUMBER => (0..n).map(|i| i as f64).collect(),
                None => {
                    return Err(ExpressionError {
                        expression: self.text.clone(),
                        position: *position,
                        message: format!("unknown branch `{name}`"),
                    })
                }
            },
            Node::Unary(op, a) => {
                let mut values = self.node_values(a, columns)?;
                for v in values.iter_mut() {
                    *v = match op {
                        UnaryOp::Negate => -*v,
                        UnaryOp::Not => truth(*v == 0.0),
                    };
                }
                values
            }
            Node::Binary(op, a, b) => {
                let mut left = self.node_values(a, columns)?;
                let right = self.node_values(b, columns)?;
                for (l, r) in left.iter_mut().zip(right) {
                    *l = binary(*op, *l, r);
                }
                left
            }
            Node::Call(function, args) => {
                let mut first = self.node_values(&args[0], columns)?;
                let second = if args.len() > 1 {
                    Some(self.node_values(&args[1], columns)?)
                } else {
                    None
                };
                for (i, v) in first.iter_mut().enumerate() {
                    *v = match function {
                        Function::Abs => v.abs(),
                        Function::Sqrt => v.sqrt(),
                        Function::Exp => v.exp(),
                        Function::Log => v.ln(),
                        Function::Min => v.min(second.as_ref().map_or(f64::NAN, |s| s[i])),
                        Function::Max => v.max(second.as_ref().map_or(f64::NAN, |s| s[i])),
                    };
                }
                first
            }
        })
    }
}

fn binary(op: BinaryOp, l: f64, r: f64) -> f64 {
    match op {
        BinaryOp::Add => l + r,
        BinaryOp::Subtract => l - r,
        BinaryOp::Multiply => l * r,
        BinaryOp::Divide => l / r,
        BinaryOp::Remainder => l % r,
        BinaryOp::Less => truth(l < r),
        BinaryOp::LessEqual => truth(l <= r),
        BinaryOp::Greater => truth(l > r),
        BinaryOp::GreaterEqual => truth(l >= r),
        BinaryOp::Equal => truth(l == r),
        BinaryOp::NotEqual => truth(l != r),
        BinaryOp::And => truth(l != 0.0 && r != 0.0),
        BinaryOp::Or => truth(l != 0.0 || r != 0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Table(HashMap<&'static str, Vec<f64>>, usize);

    impl ColumnSource for Table {
        fn column(&self, name: &str) -> Option<&[f64]> {
            self.0.get(name).map(|v| v.as_slice())
        }
        fn entries(&self) -> usize {
            self.1
        }
    }

    fn table() -> Table {
        let mut m = HashMap::new();
        m.insert("weight", vec![1.0, 2.0, -0.5]);
        m.insert("lep_charge", vec![1.0, -1.0, 1.0]);
        m.insert("jet_pt", vec![150.0, 450.0, 700.0]);
        Table(m, 3)
    }

    fn eval(text: &str) -> Vec<f64> {
        Expression::parse(text).unwrap().evaluate(&table()).unwrap()
    }

    #[test]
    fn arithmetic_follows_usual_precedence() {
        assert_eq!(eval("1 + 2 * 3 - 4 / 2"), vec![5.0; 3]);
        assert_eq!(eval("(1 + 2) * 3"), vec![9.0; 3]);
        assert_eq!(eval("-2 * -weight"), vec![2.0, 4.0, -1.0]);
        assert_eq!(eval("0.7*weight"), vec![0.7, 1.4, -0.35]);
        assert_eq!(eval("1.5e2 + .5"), vec![150.5; 3]);
        assert_eq!(eval("10 - 2 - 3"), vec![5.0; 3]);
    }

    #[test]
    fn comparisons_and_logic_give_one_or_zero() {
        assert_eq!(eval("lep_charge > 0"), vec![1.0, 0.0, 1.0]);
        assert_eq!(eval("lep_charge > 0 && jet_pt >= 450"), vec![0.0, 0.0, 1.0]);
        assert_eq!(eval("lep_charge < 0 || jet_pt < 200"), vec![1.0, 1.0, 0.0]);
        assert_eq!(eval("!(lep_charge == 1)"), vec![0.0, 1.0, 0.0]);
        assert_eq!(eval("jet_pt != 450"), vec![1.0, 0.0, 1.0]);
        assert_eq!(eval("jet_pt <= 450"), vec![1.0, 1.0, 0.0]);
        // && binds tighter than ||
        assert_eq!(eval("1 || 0 && 0"), vec![1.0; 3]);
    }

    #[test]
    fn entry_number_and_remainder_split_events() {
        assert_eq!(eval("Entry$ % 2 == 0"), vec![1.0, 0.0, 1.0]);
        assert_eq!(eval("7 % 3 + Entry$"), vec![1.0, 2.0, 3.0]);
        assert_eq!(eval("-7 % 3"), vec![-1.0; 3]);
        let e = Expression::parse("weight * (Entry$ % 2 == 1)").unwrap();
        assert_eq!(e.branches(), vec!["weight".to_string()]);
    }

    #[test]
    fn functions() {
        assert_eq!(eval("abs(weight)"), vec![1.0, 2.0, 0.5]);
        assert_eq!(eval("max(weight, 0) + min(1, 2)"), vec![2.0, 3.0, 1.0]);
        assert_eq!(eval("sqrt(4) * exp(0) + log(1)"), vec![2.0; 3]);
    }

    #[test]
    fn lists_branches_once() {
        let e = Expression::parse("weight * (lep_charge > 0) * weight").unwrap();
        assert_eq!(
            e.branches(),
            vec!["weight".to_string(), "lep_charge".to_string()]
        );
    }

    fn parse_error(text: &str) -> ExpressionError {
        Expression::parse(text).unwrap_err()
    }

    #[test]
    fn errors_name_expression_and_position() {
        let e = parse_error("lep_charge >> 0");
        assert_eq!(e.position, 12);
        assert!(e.to_string().contains("`lep_charge >> 0`"), "{e}");
        assert!(e.to_string().contains("position 12"), "{e}");
        assert_eq!(parse_error("(weight").position, 7);
        assert!(parse_error("(weight").message.contains("expected `)`"));
        assert_eq!(parse_error("weight = 1").position, 7);
        assert_eq!(parse_error("weight & 1").position, 7);
        assert_eq!(parse_error("").message, "the expression is empty");
        assert_eq!(parse_error("weight 2").position, 7);
        assert_eq!(parse_error("0 < jet_pt < 5").position, 11);
        assert_eq!(parse_error("foo(1)").position, 0);
        assert_eq!(parse_error("max(1)").position, 0);
        assert_eq!(parse_error("1.2.3").position, 0);
        assert_eq!(parse_error("weight $").position, 7);
        assert!(parse_error("2 *").message.contains("end of expression"));
    }

    #[test]
    fn unknown_branch_is_reported_at_its_position() {
        let e = Expression::parse("weight * nonexistent")
            .unwrap()
            .evaluate(&table())
            .unwrap_err();
        assert_eq!(e.position, 9);
        assert!(e.message.contains("nonexistent"));
    }
}
