-- The example source keyspace: a small shop. It covers what a migration must carry exactly:
-- a composite primary key, a varchar primary key, utf8mb4 text, DECIMAL, DATETIME(6), JSON,
-- BLOB and NULLs.
CREATE TABLE customer (
  customer_id BIGINT NOT NULL,
  email VARCHAR(128) NOT NULL,
  name VARCHAR(64) CHARACTER SET utf8mb4 NOT NULL,
  balance DECIMAL(12,2) NOT NULL DEFAULT 0.00,
  created_at DATETIME(6) NOT NULL,
  notes TEXT NULL,
  PRIMARY KEY (customer_id),
  KEY email_idx (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE corder (
  order_id BIGINT NOT NULL,
  customer_id BIGINT NOT NULL,
  sku VARCHAR(64) NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  placed_at DATETIME(6) NOT NULL,
  details JSON NULL,
  PRIMARY KEY (order_id),
  KEY customer_idx (customer_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE order_line (
  order_id BIGINT NOT NULL,
  line_no INT NOT NULL,
  sku VARCHAR(64) NOT NULL,
  quantity INT NOT NULL,
  PRIMARY KEY (order_id, line_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE product (
  sku VARCHAR(64) NOT NULL,
  description VARCHAR(255) CHARACTER SET utf8mb4 NOT NULL,
  price DECIMAL(10,2) NOT NULL,
  image BLOB NULL,
  PRIMARY KEY (sku)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
