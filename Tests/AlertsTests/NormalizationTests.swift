import Foundation
import Testing

@testable import Alerts

@Suite struct NormalizationTests {
    @Test(arguments: [
        ("Checkout API (prod)", "checkout-api"),
        ("checkout-svc", "checkout"),
        ("checkout-service-prod", "checkout"),
        ("prod-checkout", "checkout"),
        ("Checkout_Service", "checkout"),
        ("payments-prd", "payments"),
        ("orders-staging", "orders"),
        ("stg-orders-api", "orders-api"),
        ("user service", "user"),
        ("Billing  Worker [production]", "billing-worker"),
        ("checkout-7d9f8b6c4-x2kqz", "checkout"),
        ("fluentd-x2kqz", "fluentd-x2kqz"),  // lone 5-char suffix only stripped for pods
        ("api-v2", "api-v2"),
        ("api (copy)", "api-copy"),
        ("prod", "prod"),  // never strip a name to nothing
        ("service", "service"),
        ("dev-service", "service"),  // env prefix goes first; the last token always stays
        ("frontend.web", "frontend.web"),
    ])
    func serviceNames(raw: String, expected: String) {
        #expect(NameNormalizer.service(raw) == expected)
        #expect(NameNormalizer.normalize(raw, kind: .service) == expected)
    }

    @Test func podNames() {
        #expect(NameNormalizer.service("fluentd-x2kqz", isPod: true) == "fluentd")
        #expect(NameNormalizer.service("postgres-0", isPod: true) == "postgres")
        #expect(NameNormalizer.service("checkout-bcdfghjk-x2kqz", isPod: true) == "checkout")
        #expect(NameNormalizer.service("checkout-bcdfghjk-x2kqz") == "checkout-bcdfghjk-x2kqz")  // no digit: not a hash outside pod labels
    }

    @Test(arguments: [
        ("10.0.0.5:9100", "10.0.0.5"),
        ("node_exporter:9100", "node_exporter"),
        ("https://API.example.com/health", "api.example.com"),
        ("https://shop.example.com?probe=1", "shop.example.com"),
        ("http://user@status.example.com:8443#top", "status.example.com"),
        ("[::1]:9100", "::1"),
        ("fe80::1", "fe80::1"),
        ("Web-1.prod.internal", "web-1.prod.internal"),
    ])
    func hostNames(raw: String, expected: String) {
        #expect(NameNormalizer.host(raw) == expected)
    }

    @Test func resourceNames() {
        #expect(NameNormalizer.resource("orders-db-prod") == "orders-db")
        #expect(NameNormalizer.resource("Orders_DB") == "orders-db")
        #expect(NameNormalizer.resource("user-service") == "user-service")  // svc suffix kept for resources
        #expect(NameNormalizer.loadBalancer("app/my-lb/50dc6c495c0c9188") == "my-lb")
        #expect(NameNormalizer.loadBalancer("targetgroup/my-tg/6d0ecf831eec9f09") == "my-tg")
        #expect(NameNormalizer.loadBalancer("classic-elb") == "classic-elb")
        #expect(NameNormalizer.normalize("arn:aws:sqs:us-east-1:123456789012:orders-queue-prd", kind: .queue) == "orders-queue")
    }
}

@Suite struct ARNTests {
    @Test func sqs() throws {
        let a = try #require(AWSARN.parse("arn:aws:sqs:us-east-1:123456789012:orders-queue"))
        #expect(
            a
                == AWSARN(
                    partition: "aws", service: "sqs", region: "us-east-1", account: "123456789012",
                    resourceType: nil, resourceName: "orders-queue", raw: "arn:aws:sqs:us-east-1:123456789012:orders-queue"))
        #expect(EntityBag.kind(forARN: a) == .queue)
    }

    @Test func rds() throws {
        let a = try #require(AWSARN.parse("arn:aws:rds:eu-west-1:123:db:orders-db"))
        #expect([a.partition, a.service, a.region, a.account] == ["aws", "rds", "eu-west-1", "123"])
        #expect(a.resourceType == "db")
        #expect(a.resourceName == "orders-db")
        #expect(EntityBag.kind(forARN: a) == .database)
    }

    @Test func loadBalancer() throws {
        let a = try #require(AWSARN.parse("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/my-lb/50dc6c495c0c9188"))
        #expect(a.service == "elasticloadbalancing")
        #expect(a.resourceType == "loadbalancer")
        #expect(a.resourceName == "my-lb")
        let tg = try #require(AWSARN.parse("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/my-tg/6d0ecf831eec9f09"))
        #expect(tg.resourceType == "targetgroup")
        #expect(tg.resourceName == "my-tg")
    }

    @Test func lambda() throws {
        let a = try #require(AWSARN.parse("arn:aws:lambda:us-east-1:123456789012:function:resize"))
        #expect(a.resourceType == "function")
        #expect(a.resourceName == "resize")
        #expect(AWSARN.parse("arn:aws:lambda:us-east-1:123456789012:function:resize:prod")?.resourceName == "resize")
        #expect(EntityBag.kind(forARN: a) == .function)
    }

    @Test func otherForms() throws {
        #expect(AWSARN.parse("arn:aws:s3:::my-bucket/key.txt")?.resourceName == "my-bucket")
        #expect(AWSARN.parse("arn:aws:s3:::my-bucket")?.region == "")
        let ecs = try #require(AWSARN.parse("arn:aws:ecs:us-east-1:123456789012:service/prod-cluster/checkout"))
        #expect(ecs.resourceType == "service")
        #expect(ecs.resourceName == "checkout")
        #expect(EntityBag.kind(forARN: ecs) == .service)
        #expect(AWSARN.parse("arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/2024-01-01")?.resourceName == "Orders")
        #expect(AWSARN.parse("arn:aws-cn:sns:cn-north-1:123456789012:alerts:0f3a-sub")?.resourceName == "alerts")
        #expect(AWSARN.parse("arn:aws:cloudwatch:us-east-1:123:alarm:EC2 CPU High")?.resourceName == "EC2 CPU High")
        let spaced = try #require(AWSARN.parse("arn:aws:cloudwatch:us-east-1: 111122223333:alarm:X"))
        #expect(spaced.account == "111122223333")
        #expect(spaced.raw == "arn:aws:cloudwatch:us-east-1:111122223333:alarm:X")
        #expect(AWSARN.parse("arn:aws:sns:EXAMPLE") == nil)
        #expect(AWSARN.parse("not-an-arn") == nil)
        #expect(AWSARN.parse("arn:aws:sqs:us-east-1:1:") == nil)
    }
}

@Suite struct TimestampTests {
    @Test(arguments: [
        ("2019-02-15T23:53:45.093+0000", 1_550_274_825.093),
        ("2023-08-04T12: 56: 46.138+0000", 1_691_153_806.138),
        ("2017-08-03T15:17:37.804-04:00", 1_501_787_857.804),
        ("2021-10-12T09:51:03.157076+02:00", 1_634_025_063.157076),
        ("2024-12-11 15:22:33 UTC", 1_733_930_553),
        ("2024-12-11T15:22:33+05", 1_733_912_553),
        ("Wed Dec 11 2024 15:21:02 UTC", 1_733_930_462),
        ("Wed, 11 Dec 2024 15:21:02 GMT", 1_733_930_462),
        ("1733930553", 1_733_930_553),
        ("1733930553000", 1_733_930_553),
        ("1733930553000000", 1_733_930_553),
        ("1420452374669001603", 1_420_452_374.669001603),
        ("1603322711.147672", 1_603_322_711.147672),
    ])
    func parses(text: String, expected: Double) throws {
        let d = try #require(AlertTimestamp.parse(string: text))
        #expect(abs(d.timeIntervalSince1970 - expected) < 2e-6, "\(text) → \(d.timeIntervalSince1970)")
    }

    @Test func rejects() {
        for s in ["", "0001-01-01T00:00:00Z", "$DATE", "0", "yesterday", "2024-13-01T00:00:00Z", "2024-12-11T15:22:33 PST"] {
            #expect(AlertTimestamp.parse(string: s) == nil, "\(s)")
        }
        #expect(AlertTimestamp.parse(NSNumber(value: 1_420_452_191_104 as Int64)).map { $0.timeIntervalSince1970 } == 1_420_452_191.104)
    }
}
